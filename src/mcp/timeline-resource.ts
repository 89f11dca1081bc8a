import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from './context.js';
import { namespaceOf } from './resources.js';

/** Entries a timeline shows at most: enough for a plot, small enough for one JSON read. */
export const TIMELINE_LIMIT = 5000;

/**
 * The arrival timeline of a namespace, for the inspector page and any client that plots: for each
 * of the newest entries its time, id, centroid similarity on arrival, and its z-score against the
 * window's current baseline, with the entries that raised an alarm on arrival marked
 * (Memory.timeline).
 */
export function registerTimelineResource(server: McpServer, ctx: ToolContext): void {
  server.registerResource(
    'timeline',
    new ResourceTemplate('ringmem://namespaces/{name}/timeline', { list: undefined }),
    {
      title: 'Arrival timeline of a namespace',
      description: `Times, ids, arrival centroid similarities and z-scores of the ${TIMELINE_LIMIT} newest entries, oldest first.`,
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const name = namespaceOf(variables);
      const t = ctx.memory.timeline(name, TIMELINE_LIMIT);
      const body = {
        namespace: name,
        ids: t.ids,
        times: t.times,
        arrival_similarity: t.similarity,
        z_score: t.zScore,
        anomaly: t.alarmScore.map((score) => score !== null),
        anomaly_score: t.alarmScore,
        baseline: t.baseline,
      };
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }],
      };
    },
  );
}
