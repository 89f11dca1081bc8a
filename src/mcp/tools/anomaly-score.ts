import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { anomalyFields } from '../../anomaly-fields.js';
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
        (v) =>
          `${v.verdict}${v.repeat_of ? ` of #${v.repeat_of.id} (×${v.repeat_of.count})` : ''} (score ${v.score.toFixed(3)}${v.z_score === null ? '' : `, z ${v.z_score.toFixed(2)}`}${v.nearest ? `, nearest ${v.nearest.similarity.toFixed(3)}: "${(v.nearest.text ?? '').slice(0, 80)}"` : ''}; window ${v.window_size})`,
      ),
  );
}
