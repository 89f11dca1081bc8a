import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { anomalyFields, anomalyText } from '../../present/anomaly.js';
import { renderWindow, windowFields } from '../../present/window.js';
import type { ToolContext } from '../context.js';
import { rememberInput, rememberOutput } from '../schemas.js';
import { toolResult } from '../tool-result.js';

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
            window: windowFields(ctx.memory.window(res.namespace)),
          };
        },
        renderRemember,
      ),
  );
}

/** Items listed one per line up to this many; past it only the flagged and truncated ones. */
const LISTED_ITEMS = 20;

/** Everything structuredContent holds, for clients that show the model only the text. */
function renderRemember(v: {
  namespace: string;
  ids: number[];
  stored: number;
  evicted: number;
  expired: number;
  items: { id: number; truncated: boolean; anomaly: ReturnType<typeof anomalyFields> }[];
  window: Parameters<typeof renderWindow>[0];
}): string {
  const lines = [
    `stored ${v.stored} in "${v.namespace}" (ids ${v.ids.join(', ')}); ${v.evicted} oldest evicted, ${v.expired} expired; ${renderWindow(v.window)}`,
  ];
  const shown =
    v.items.length <= LISTED_ITEMS
      ? v.items
      : v.items.filter((i) => i.anomaly.is_anomaly || i.truncated);
  if (shown.length < v.items.length) {
    lines.push(`${v.items.length - shown.length} normal items not listed`);
  }
  for (const item of shown) {
    lines.push(
      `- id ${item.id}: ${anomalyText(item.anomaly)}${item.truncated ? "; text truncated to the model's max tokens before embedding" : ''}`,
    );
  }
  return lines.join('\n');
}
