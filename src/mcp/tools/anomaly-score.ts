import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../context.js';
import { anomalyInput, anomalyOutput } from '../schemas.js';
import { formatDuration } from '../time.js';
import { round, seconds, toolResult } from '../tool-result.js';

export function registerAnomalyScoreTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'anomaly_score',
    {
      title: 'Anomaly score',
      description:
        'How unusual a text is against what the namespace holds: similarity to the running centroid, its z-score against the window baseline, and the nearest memory. Optionally remembers the text afterwards.',
      inputSchema: anomalyInput(ctx.limits),
      outputSchema: anomalyOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (args) =>
      toolResult(
        ctx.log,
        'anomaly_score',
        async () => {
          const r = await ctx.memory.anomaly(args.text, {
            namespace: args.namespace,
            remember: args.remember,
            tags: args.tags,
          });
          const verdict = r.warmingUp ? 'warming_up' : r.isAnomaly ? 'anomaly' : 'normal';
          return {
            namespace: r.namespace,
            score: round(r.score) as number,
            is_anomaly: r.isAnomaly,
            verdict: verdict as 'anomaly' | 'normal' | 'warming_up',
            warming_up: r.warmingUp,
            centroid_similarity: round(r.centroidSimilarity),
            z_score: round(r.zScore),
            nearest:
              r.nearest && r.nearestEntry
                ? {
                    id: r.nearest.id,
                    text: r.nearestEntry.text ?? null,
                    similarity: round(r.nearest.similarity) as number,
                    age_seconds: seconds(r.nearestEntry.ageMs) as number,
                  }
                : null,
            baseline: {
              mean: round(r.baseline.mean),
              std: round(r.baseline.std),
              count: r.baseline.count,
            },
            window_size: r.windowSize,
            remembered_id: r.rememberedId ?? null,
          };
        },
        (v) => {
          const parts = [`score ${v.score}`];
          if (v.z_score !== null) parts.push(`z ${v.z_score}`);
          if (v.centroid_similarity !== null) {
            parts.push(`centroid similarity ${v.centroid_similarity}`);
          }
          const b = v.baseline;
          const baseline =
            b.mean === null
              ? `no baseline yet (${b.count} arrivals)`
              : `baseline mean ${b.mean} ± ${b.std ?? 0} over ${b.count} arrivals`;
          const lines = [
            `verdict ${v.verdict} in "${v.namespace}" (${parts.join(', ')}); ${baseline}; window ${v.window_size} entries`,
          ];
          if (v.nearest) {
            lines.push(
              `nearest memory: id ${v.nearest.id}, similarity ${v.nearest.similarity}, ${formatDuration(v.nearest.age_seconds * 1000)} ago: ${v.nearest.text ?? '(no text)'}`,
            );
          }
          if (v.remembered_id !== null) lines.push(`remembered as id ${v.remembered_id}`);
          return lines.join('\n');
        },
      ),
  );
}
