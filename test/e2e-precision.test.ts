import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv } from './helpers/cli.js';

/**
 * `--precision` end to end: the built CLI over stdio with the SDK's own client, vectors stored as
 * int8 (server-wide) and f16 (one namespace by name), recall and anomaly scoring served from them,
 * memory_stats and the stats resource reporting the precision and bytes per record.
 */
describe('the built CLI with --precision int8,notes=f16', () => {
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, '--precision', 'int8,notes=f16'],
      env: cliEnv(),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    client = new Client({ name: 'e2e-precision', version: '1.0.0' });
    await client.connect(transport);
  });

  afterAll(async () => {
    await client.close();
  });

  it('serves remember, recall and anomaly_score from compact vectors and reports the precision in memory_stats', async () => {
    const { tools } = await client.listTools();
    const ajv = new Ajv({ strict: false });
    const validate = Object.fromEntries(tools.map((t) => [t.name, ajv.compile(t.outputSchema!)]));
    const call = async (name: string, args: Record<string, unknown>) => {
      const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(res.isError, `${name}: ${JSON.stringify(res.content)} ${stderr}`).toBeFalsy();
      expect(validate[name]!(res.structuredContent), JSON.stringify(validate[name]!.errors)).toBe(
        true,
      );
      return res.structuredContent as Record<string, unknown>;
    };
    const texts = [
      'the payment service returned HTTP 503 for ten minutes',
      'the user asked to rename the project to ringmem',
      'disk usage on the build server reached 91 percent',
      'a new intern joined the data team on monday',
    ];
    for (const namespace of ['logs', 'notes']) {
      expect((await call('remember', { texts, namespace })).stored).toBe(texts.length);
      for (const mode of ['semantic', 'hybrid']) {
        const recall = await call('recall', { query: texts[2], namespace, k: 2, mode });
        const hits = recall.hits as { text: string; score: number }[];
        expect(hits[0]?.text, `${namespace} ${mode}`).toBe(texts[2]);
      }
      const semantic = await call('recall', { query: texts[1], namespace, k: 1 });
      // The stored row is the query's own vector rounded to a half: cosine within 2^-11 of 1.
      expect((semantic.hits as { score: number }[])[0]!.score).toBeCloseTo(1, 3);
      const anomaly = await call('anomaly_score', { text: texts[0], namespace });
      expect((anomaly.nearest as { similarity: number }).similarity).toBeCloseTo(1, 3);
    }
    const stats = await call('memory_stats', {});
    const byName = Object.fromEntries(
      (
        stats.namespaces as { namespace: string; precision: string; bytes_per_record: number }[]
      ).map((n) => [n.namespace, n]),
    );
    const dim = (stats.model as { dim: number }).dim;
    expect(byName.logs?.precision).toBe('int8');
    expect(byName.notes?.precision).toBe('f16');
    // Payload estimates come on top of the vector and slot bytes.
    expect(byName.logs!.bytes_per_record).toBeGreaterThan(3 * dim + 4);
    expect(byName.notes!.bytes_per_record).toBeGreaterThan(2 * dim);
    expect(byName.notes!.bytes_per_record).toBeLessThan(byName.logs!.bytes_per_record);
    const res = (await client.callTool({ name: 'memory_stats', arguments: {} })) as CallToolResult;
    const text = (res.content[0] as { text: string }).text;
    expect(text).toMatch(/- logs: 4\/\d+ entries, \d+ bytes \(int8, \d+ a record\)/);

    const resource = await client.readResource({ uri: 'ringmem://stats' });
    const json = JSON.parse((resource.contents[0] as { text: string }).text);
    expect(json.namespaces.map((n: { precision: string }) => n.precision).sort()).toEqual([
      'f16',
      'int8',
    ]);
  });
});
