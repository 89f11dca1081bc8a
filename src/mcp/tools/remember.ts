import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { anomalyFields } from '../../anomaly-fields.js';
import type { ToolContext } from '../context.js';
import { rememberInput, rememberOutput } from '../schemas.js';
import { toolResult } from '../tool-result.js';
import { windowOf } from './window.js';

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
          const flagged = v.items.filter((i) => i.anomaly.alarm).map((i) => i.id);
          const repeats = v.items.filter((i) => i.anomaly.verdict === 'repeat').length;
          const cut = v.items.filter((i) => i.truncated).length;
          return [
            `stored ${v.stored} in "${v.namespace}" (ids ${v.ids.join(', ')}); window ${v.window.count}/${v.window.capacity}`,
            v.evicted ? `; ${v.evicted} oldest evicted` : '',
            flagged.length ? `; anomalous: ${flagged.join(', ')}` : '',
            repeats ? `; ${repeats} repeat(s) of a recent anomaly` : '',
            cut ? `; ${cut} text(s) truncated to the model's max tokens` : '',
          ].join('');
        },
      ),
  );
}
