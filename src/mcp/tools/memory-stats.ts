import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { statsSnapshot } from '../../present/stats.js';
import { formatDuration } from '../../time.js';
import type { ToolContext } from '../context.js';
import { statsInput, statsOutput } from '../schemas.js';
import { toolResult } from '../tool-result.js';

export function registerMemoryStatsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'memory_stats',
    {
      title: 'Memory statistics',
      description:
        'Per namespace: entries, capacity, TTL, bytes, oldest and newest age, topic drift of the newest 100 entries from the rest, and loops (recent near-duplicates, with the repeated text); plus the embedding model and the scan kernel in use.',
      inputSchema: statsInput,
      outputSchema: statsOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) =>
      toolResult(
        ctx.log,
        'memory_stats',
        () => statsSnapshot(ctx, args.namespace),
        (v) => {
          const ago = (s: number | null) =>
            s === null ? 'none' : `${formatDuration(s * 1000)} ago`;
          return [
            `model ${v.model.id} (${v.model.status}${v.model.error ? `: ${v.model.error}` : ''}; ${v.model.dim} dimensions, ${v.model.max_tokens} max tokens); kernel ${v.kernel.backend}/${v.kernel.isa} (available: ${v.kernel.available_isas.join(', ')})`,
            `${v.total_bytes} of ${v.max_bytes} bytes used; ${v.namespaces.length} of at most ${v.max_namespaces} namespaces`,
            ...(v.persistence
              ? [
                  `durable memory ${v.persistence.state} in ${v.persistence.dir}${v.persistence.error ? `: ${v.persistence.error}` : ''}`,
                ]
              : []),
            ...(v.fleet
              ? [
                  `fleet on ${v.fleet.redis} (prefix "${v.fleet.prefix}", ${v.fleet.namespaces} streams)${v.fleet.stale_since ? `; Redis unreachable since ${v.fleet.stale_since}, serving the local window` : v.fleet.catching_up ? '; catching up' : ''}`,
                ]
              : []),
            ...v.namespaces.map(
              (n) =>
                `- ${n.namespace}: ${n.count}/${n.capacity} entries, ${n.bytes} bytes (${n.precision}, ${n.bytes_per_record} a record), ttl ${n.ttl_seconds === null ? 'none' : formatDuration(n.ttl_seconds * 1000)}, oldest ${ago(n.oldest_age_seconds)}, newest ${ago(n.newest_age_seconds)}; inserted ${n.inserted}, evicted ${n.evicted}, expired ${n.expired}, forgotten ${n.forgotten}, deleted ${n.deleted}${n.drift?.z_score != null ? `; drift z ${n.drift.z_score.toFixed(1)} (recent vs rest similarity ${n.drift.similarity})` : ''}${n.loops && n.loops.repeated > 0 ? `; ${n.loops.repeated} of the newest ${n.loops.recent} repeat (top ×${n.loops.groups[0]?.count}: "${(n.loops.groups[0]?.text ?? '').slice(0, 60)}")` : ''}`,
            ),
          ].join('\n');
        },
      ),
  );
}
