import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { RingmemError } from '../../errors.js';
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
        async () => {
          const ids = [...new Set(args.ids)];
          const missing = ctx.memory.engine.missing(ids, args.namespace);
          if (missing.length > 0) {
            throw new RingmemError(
              'INVALID_ARGUMENT',
              `no live memory with id ${missing.join(', ')}${args.namespace ? ` in "${args.namespace}"` : ''} (never stored, already forgotten, expired or evicted); nothing was deleted. Use ids returned by remember or recall.`,
            );
          }
          return { forgotten: (await ctx.memory.forgetAsync(ids, args.namespace)).forgotten };
        },
        (v) => `forgot ${v.forgotten.length} memories (ids ${v.forgotten.join(', ')})`,
      ),
  );
}
