import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { assertNamespace } from '../engine/validate.js';
import { entryFields } from '../present/entries.js';
import { statsSnapshot } from '../present/stats.js';
import type { ToolContext } from './context.js';

const RECENT_LIMIT = 50;

/** Read-only views for clients that browse resources: statistics and each namespace's newest entries. */
export function registerResources(server: McpServer, ctx: ToolContext): void {
  server.registerResource(
    'stats',
    'ringmem://stats',
    {
      title: 'Memory statistics',
      description: 'Namespaces, sizes, model and kernel (the same as the memory_stats tool).',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify(statsSnapshot(ctx), null, 2),
        },
      ],
    }),
  );

  server.registerResource(
    'recent',
    new ResourceTemplate('ringmem://namespaces/{name}/recent', {
      list: async () => ({
        resources: ctx.memory.namespaces().map((name) => ({
          uri: `ringmem://namespaces/${name}/recent`,
          name: `${name}: newest memories`,
          mimeType: 'application/json',
        })),
      }),
    }),
    {
      title: 'Newest memories of a namespace',
      description: `The ${RECENT_LIMIT} newest live entries, newest first.`,
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const name = namespaceOf(variables);
      const entries = ctx.memory.recent(name, RECENT_LIMIT).map(entryFields);
      // Newest first: past the reply cap the oldest entries are left out, and the reply says so.
      let text = JSON.stringify({ namespace: name, entries }, null, 2);
      let omitted = 0;
      while (Buffer.byteLength(text) > ctx.limits.maxReplyBytes && entries.length > 0) {
        entries.pop();
        omitted++;
        text = JSON.stringify({ namespace: name, entries, omitted_entries: omitted }, null, 2);
      }
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text }] };
    },
  );
}

/** The namespace a `ringmem://namespaces/{name}/…` resource names, checked like a tool's. */
export function namespaceOf(variables: Record<string, unknown>): string {
  const name = decodeURIComponent(String(variables.name));
  assertNamespace(name);
  return name;
}
