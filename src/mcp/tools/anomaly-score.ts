import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { anomalyScoreFields, anomalyScoreText } from '../../present/anomaly.js';
import type { ToolContext } from '../context.js';
import { anomalyInput, anomalyOutput } from '../schemas.js';
import { toolResult } from '../tool-result.js';

export function registerAnomalyScoreTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'anomaly_score',
    {
      title: 'Anomaly score',
      description:
        'How unusual a text is against what the namespace holds: a calibrated score (0.5 = rarer than all but 2% of what the window saw arrive) from the density of its nearest memories and its distance from the window centroid, every component, and the nearest memory. Optionally remembers the text afterwards.',
      inputSchema: anomalyInput(ctx.limits),
      outputSchema: anomalyOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (args) =>
      toolResult(
        ctx.log,
        'anomaly_score',
        async () => {
          const r = await ctx.memory.anomaly(args.text, {
            namespace: args.namespace,
            remember: args.remember,
            tags: args.tags,
          });
          return anomalyScoreFields(r);
        },
        anomalyScoreText,
      ),
  );
}
