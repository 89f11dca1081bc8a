import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { anomalyFields, anomalyText } from '../../present/anomaly.js';
import { formatDuration } from '../../time.js';
import type { ToolContext } from '../context.js';
import { anomalyInput, anomalyOutput } from '../schemas.js';
import { round, seconds, toolResult } from '../tool-result.js';

export function registerAnomalyScoreTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'anomaly_score',
    {
      title: 'Anomaly score',
      description:
        'How unusual a text is against what the namespace holds: a calibrated score (0.5 = rarer than all but 2% of what the window saw arrive) from the density of its nearest memories and its distance from the window centroid, every component, and the nearest memory. Optionally remembers the text afterwards.',
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
          return {
            namespace: r.namespace,
            ...anomalyFields(r),
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
            remembered_id: r.rememberedId ?? null,
          };
        },
        (v) => {
          const b = v.baseline;
          const baseline =
            b.mean === null
              ? `no baseline yet (${b.count} arrivals)`
              : `baseline mean ${b.mean} ± ${b.std ?? 0} over ${b.count} arrivals`;
          const lines = [`in "${v.namespace}": ${anomalyText(v)}; ${baseline}`];
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
