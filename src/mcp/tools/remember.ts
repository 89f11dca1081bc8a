import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AnomalyReport } from '../../engine/index.js';
import type { ToolContext } from '../context.js';
import { rememberInput, rememberOutput } from '../schemas.js';
import { round, toolResult } from '../tool-result.js';
import { windowOf } from './window.js';

function anomalyFields(a: AnomalyReport) {
  return {
    score: round(a.score) as number,
    is_anomaly: a.isAnomaly,
    warming_up: a.warmingUp,
    centroid_similarity: round(a.centroidSimilarity),
    z_score: round(a.zScore),
    nearest_similarity: round(a.nearest?.similarity ?? null),
  };
}

export function registerRememberTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'remember',
    {
      title: 'Remember',
      description:
        'Store one text (or up to a batch) in short-term memory. Each item is scored for novelty against what the namespace held before it arrived.',
      inputSchema: rememberInput(ctx.limits),
      outputSchema: rememberOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (args, extra) =>
      toolResult(
        ctx.log,
        'remember',
        async () => {
          const texts = args.texts ?? [args.text as string];
          const progressToken = extra._meta?.progressToken;
          const res = await ctx.memory.remember(texts, {
            namespace: args.namespace,
            tags: args.tags,
            metadata: args.metadata,
            signal: extra.signal,
            onProgress:
              progressToken === undefined
                ? undefined
                : (done, total) => {
                    void extra
                      .sendNotification({
                        method: 'notifications/progress',
                        params: {
                          progressToken,
                          progress: done,
                          total,
                          message: `embedded ${done} of ${total}`,
                        },
                      })
                      .catch(() => {});
                  },
          });
          return {
            namespace: res.namespace,
            ids: res.ids,
            stored: res.ids.length,
            evicted: res.evicted,
            expired: res.expired,
            items: res.ids.map((id, i) => ({
              id,
              truncated: res.truncated[i] ?? false,
              anomaly: anomalyFields(res.anomalies![i]!),
            })),
            window: windowOf(ctx, res.namespace),
          };
        },
        (v) => {
          const flagged = v.items.filter((i) => i.anomaly.is_anomaly).map((i) => i.id);
          const cut = v.items.filter((i) => i.truncated).length;
          return [
            `stored ${v.stored} in "${v.namespace}" (ids ${v.ids.join(', ')}); window ${v.window.count}/${v.window.capacity}`,
            v.evicted ? `; ${v.evicted} oldest evicted` : '',
            flagged.length ? `; anomalous: ${flagged.join(', ')}` : '',
            cut ? `; ${cut} text(s) truncated to the model's max tokens` : '',
          ].join('');
        },
      ),
  );
}
