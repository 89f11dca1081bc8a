import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ErrorCode,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { isRingmemError } from '../errors.js';
import { anomalyEventFields, healthFields } from '../present/anomaly.js';
import type { ToolContext } from './context.js';
import { namespaceOf } from './resources.js';

const LATEST = 50;
const URI = /^ringmem:\/\/namespaces\/([^/]+)\/anomalies$/;

export const anomaliesUri = (namespace: string) => `ringmem://namespaces/${namespace}/anomalies`;

/** The resource's body: the latest alarms (newest first) with their scores, drift and loops. */
export function anomaliesSnapshot(ctx: ToolContext, namespace: string) {
  return {
    namespace,
    anomalies: ctx.memory.latestAnomalies(namespace, LATEST).map(anomalyEventFields),
    ...healthFields(ctx.memory.health(namespace)),
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
        resources: ctx.memory.namespaces().map((name) => ({
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
      const name = checkedName(String(variables.name));
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
    detach ??= ctx.memory.onAnomaly((event) => {
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
    checkedName(m[1]!);
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

/** The namespace of an anomalies URI, checked as every resource checks it, as a protocol error. */
function checkedName(encoded: string): string {
  try {
    return namespaceOf({ name: encoded });
  } catch (error) {
    if (!isRingmemError(error)) throw error;
    throw new McpError(ErrorCode.InvalidParams, error.message);
  }
}
