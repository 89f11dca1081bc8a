import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ErrorCode,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { NAMESPACE_PATTERN } from '../engine/index.js';
import { anomalyFields } from '../present/anomaly.js';
import type { ToolContext } from './context.js';
import { healthOf } from './tools/memory-stats.js';

const LATEST = 50;
const URI = /^ringmem:\/\/namespaces\/([^/]+)\/anomalies$/;

export const anomaliesUri = (namespace: string) => `ringmem://namespaces/${namespace}/anomalies`;

/** The resource's body: the latest alarms (newest first) with their scores, drift and loops. */
export function anomaliesSnapshot(ctx: ToolContext, namespace: string) {
  const events = ctx.memory.engine.latestAnomalies(namespace, LATEST);
  return {
    namespace,
    anomalies: events.map((e) => ({
      id: e.id,
      text: e.text ?? null,
      timestamp: new Date(e.timestamp).toISOString(),
      ...anomalyFields(e.report),
      burst_count: e.burstCount,
    })),
    ...healthOf(ctx, namespace),
  };
}

/**
 * `ringmem://namespaces/{name}/anomalies`: the latest anomalies of a namespace, and push — a
 * client that subscribes to it gets `notifications/resources/updated` whenever a new anomaly
 * (an alarm, not a repeat of an open burst) arrives, from any session writing to that namespace.
 * The engine listener is attached on the first subscription and detached once the session is gone.
 */
export function registerAnomalyResource(server: McpServer, ctx: ToolContext): void {
  server.registerResource(
    'anomalies',
    new ResourceTemplate('ringmem://namespaces/{name}/anomalies', {
      list: async () => ({
        resources: ctx.memory.engine.namespaces().map((name) => ({
          uri: anomaliesUri(name),
          name: `${name}: latest anomalies`,
          mimeType: 'application/json',
        })),
      }),
    }),
    {
      title: 'Latest anomalies of a namespace',
      description: `The ${LATEST} newest anomalies (newest first) with their scores, plus topic drift and loops. Subscribe to be notified of each new one.`,
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const name = decodeURIComponent(String(variables.name));
      assertNamespaceName(name);
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: 'application/json',
            text: JSON.stringify(anomaliesSnapshot(ctx, name), null, 2),
          },
        ],
      };
    },
  );

  const subscribed = new Set<string>();
  let detach: (() => void) | undefined;
  const attach = () => {
    detach ??= ctx.memory.engine.anomalyFeed.subscribe((event) => {
      if (!server.isConnected()) {
        // The session ended without unsubscribing: stop listening for it.
        detach?.();
        detach = undefined;
        subscribed.clear();
        return;
      }
      const uri = anomaliesUri(event.namespace);
      if (subscribed.has(uri)) void server.server.sendResourceUpdated({ uri }).catch(() => {});
    });
  };
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const uri = request.params.uri;
    const m = URI.exec(uri);
    if (!m) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `cannot subscribe to ${uri}: only ringmem://namespaces/{name}/anomalies sends updates`,
      );
    }
    assertNamespaceName(decodeURIComponent(m[1]!));
    subscribed.add(uri);
    attach();
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscribed.delete(request.params.uri);
    if (subscribed.size === 0) {
      detach?.();
      detach = undefined;
    }
    return {};
  });
}

function assertNamespaceName(name: string): void {
  if (!NAMESPACE_PATTERN.test(name)) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `invalid namespace ${JSON.stringify(name)}: use 1–64 characters from A–Z, a–z, 0–9 and . _ : -`,
    );
  }
}
