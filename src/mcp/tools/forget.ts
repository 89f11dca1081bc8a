import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../context.js';
import { forgetInput, forgetOutput } from '../schemas.js';
import { toolResult } from '../tool-result.js';

export function registerForgetTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'forget',
    {
      title: 'Forget by id',
      description:
        'Delete specific memories by the ids that remember or recall returned. All-or-nothing: if any id is unknown, nothing is deleted.',
      inputSchema: forgetInput(ctx.limits),
      outputSchema: forgetOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (args) =>
      toolResult(
        ctx.log,
        'forget',
        async () => ({ forgotten: await ctx.memory.forgetExactly(args.ids, args.namespace) }),
        (v) => `forgot ${v.forgotten.length} memories (ids ${v.forgotten.join(', ')})`,
      ),
  );
}
