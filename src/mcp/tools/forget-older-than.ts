import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../context.js';
import { forgetOlderThanInput, forgetOlderThanOutput } from '../schemas.js';
import { toolResult } from '../tool-result.js';

export function registerForgetOlderThanTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'forget_older_than',
    {
      title: 'Forget older than',
      description:
        'Forget every memory older than an age (e.g. "1h") or from before a time, in one namespace or all of them.',
      inputSchema: forgetOlderThanInput,
      outputSchema: forgetOlderThanOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async (args) =>
      toolResult(
        ctx.log,
        'forget_older_than',
        async () => {
          const res = await ctx.memory.forgetOlderThanAsync({
            ageMs: args.age,
            before: args.before,
            namespace: args.namespace,
          });
          return {
            forgotten: res.forgotten,
            remaining: res.remaining,
            namespace: args.namespace ?? null,
            cutoff: new Date(res.cutoff).toISOString(),
          };
        },
        (v) =>
          `forgot ${v.forgotten} memories from before ${v.cutoff} in ${v.namespace ? `"${v.namespace}"` : 'all namespaces'}; ${v.remaining} remain`,
      ),
  );
}
