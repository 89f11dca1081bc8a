import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../context.js';
import { anomalyInput, anomalyOutput } from '../schemas.js';
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
        (v) =>
          `${v.verdict} (score ${v.score.toFixed(3)}${v.z_score === null ? '' : `, z ${v.z_score.toFixed(2)}`}${v.nearest ? `, nearest ${v.nearest.similarity.toFixed(3)}: "${(v.nearest.text ?? '').slice(0, 80)}"` : ''}; window ${v.window_size})`,
      ),
  );
}
