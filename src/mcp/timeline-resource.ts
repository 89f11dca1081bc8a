import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from './context.js';
import { namespaceOf } from './resources.js';

/** Entries a timeline shows at most: enough for a plot, small enough for one JSON read. */
export const TIMELINE_LIMIT = 5000;

/**
 * The arrival timeline of a namespace, for the inspector page and any client that plots: for each
 * of the newest entries its time, id, centroid similarity on arrival, and its z-score against the
 * window's current baseline (the drift view), with the entries that raised an alarm on arrival
 * marked — the anomaly rule's own verdict (engine/anomaly-scorer.ts), not a threshold on z.
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
      const a = ctx.memory.arrivals(name, TIMELINE_LIMIT);
      const { sigmaFloor } = ctx.memory.engine.anomalyConfig;
      const alarms = new Map(
        ctx.memory.engine
          .latestAnomalies(name, TIMELINE_LIMIT)
          .map((e) => [e.id, e.report.score] as const),
      );
      const { mean, std } = a.baseline;
      const z = a.similarity.map((sim) =>
        sim === null || mean === null ? null : (mean - sim) / Math.max(std ?? 0, sigmaFloor),
      );
      const body = {
        namespace: name,
        ids: a.ids,
        times: a.times,
        arrival_similarity: a.similarity,
        z_score: z,
        anomaly: a.ids.map((id) => alarms.has(id)),
        anomaly_score: a.ids.map((id) => alarms.get(id) ?? null),
        baseline: a.baseline,
      };
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }],
      };
    },
  );
}
