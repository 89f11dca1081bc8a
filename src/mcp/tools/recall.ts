import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { tagFilter } from '../../memory.js';
import { hitFields } from '../../present/entries.js';
import { round } from '../../present/numbers.js';
import { formatDuration } from '../../time.js';
import type { ToolContext } from '../context.js';
import { cutText, fitHits, jsonBytes, textShare } from '../reply-fit.js';
import { recallInput, recallOutput } from '../schemas.js';
import { toolResult } from '../tool-result.js';

/** Fleet mode (src/fleet): whether this node is still catching up, or serving without Redis. */
function fleetFields(res: object) {
  if (!('fleet' in res)) return {};
  const fleet = res.fleet as { catchingUp: boolean; staleSince: number | null };
  return {
    fleet: {
      catching_up: fleet.catchingUp,
      stale_since: fleet.staleSince === null ? null : new Date(fleet.staleSince).toISOString(),
    },
  };
}

export function registerRecallTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'recall',
    {
      title: 'Recall',
      description:
        'Search recent memories by meaning and by exact words (hybrid by default; mode "semantic" or "lexical" for one side): the k best texts, optionally only within a time window (within / since / until) or with given tags.',
      inputSchema: recallInput(ctx.limits),
      outputSchema: recallOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args, extra) =>
      toolResult(
        ctx.log,
        'recall',
        async () => {
          const res = await ctx.memory.recall(args.query, {
            namespace: args.namespace,
            k: args.k,
            withinMs: args.within,
            since: args.since,
            until: args.until,
            minScore: args.min_score,
            mode: args.mode,
            tags: tagFilter(args.tags, args.tag_mode),
            signal: extra.signal,
          });
          return fitHits(
            {
              namespace: res.namespace,
              hits: res.hits.map(hitFields),
              searched: res.searched,
              window_size: res.windowSize,
              took_ms: round(res.tookMs, 3) as number,
              query_truncated: res.queryTruncated,
              ...fleetFields(res),
            },
            ctx.limits.maxReplyBytes,
          );
        },
        (v) => {
          const cap = ctx.limits.maxReplyBytes;
          const share = textShare(
            jsonBytes(v),
            v.hits.map((h) => h.text),
            cap,
          );
          const parts = (h: (typeof v.hits)[number]) =>
            [
              h.semantic_score === null ? '' : `semantic ${h.semantic_score}`,
              h.lexical_score === null ? '' : `lexical ${h.lexical_score}`,
            ]
              .filter(Boolean)
              .join(', ');
          const lines = [
            `${v.hits.length === 0 ? 'no memories matched' : `${v.hits.length} hits`} in "${v.namespace}" (${v.searched} searched of ${v.window_size} in the window, ${v.took_ms} ms)${v.query_truncated ? "; the query was truncated to the model's max tokens" : ''}`,
            ...v.hits.map(
              (h, i) =>
                `${i + 1}. [score ${h.score}${parts(h) ? `; ${parts(h)}` : ''}] ${h.text === null ? '(no text)' : cutText(h.text, share)} (id ${h.id}, ${h.timestamp}, ${formatDuration(h.age_seconds * 1000)} ago${h.tags.length ? `, tags ${h.tags.join(', ')}` : ''}${h.metadata ? `, metadata ${JSON.stringify(h.metadata)}` : ''})`,
            ),
          ];
          if (v.omitted_hits) {
            lines.push(
              `(${v.omitted_hits} lower-ranked hits left out to keep the reply under ${cap} bytes, --max-reply-bytes; ask for a smaller k or a narrower query)`,
            );
          }
          return lines.join('\n');
        },
      ),
  );
}
