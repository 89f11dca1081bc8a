import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpChild, startHttpCli } from './helpers/cli.js';
import { type RedisHandle, redisAvailable, startRedis } from './helpers/redis-server.js';

// Three real ringmem processes on one real redis-server (AOF on), driven over HTTP by the SDK's
// own Client. Replication is asynchronous to readers, so reads on other nodes are polled.

const run = redisAvailable();

interface Node {
  server: HttpChild;
  client: Client;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'fleet-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function raw(client: Client, name: string, args: Record<string, unknown>) {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const res = await raw(client, name, args);
  if (res.isError) throw new Error(`${name}: ${JSON.stringify(res.content)}`);
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field below
  return res.structuredContent as Record<string, any>;
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string) {
  const deadline = Date.now() + 15_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

/** The ids a node holds in a namespace, newest first (lexical recall of a word every text has). */
async function ids(node: Node, namespace: string): Promise<number[]> {
  const res = await call(node.client, 'recall', {
    query: 'note',
    namespace,
    k: 100,
    mode: 'lexical',
  });
  return (res.hits as { id: number }[]).map((h) => h.id).sort((a, b) => a - b);
}

describe.runIf(run)('a fleet of three ringmem nodes on one Redis', () => {
  let redis: RedisHandle;
  const nodes: Node[] = [];
  const start = async (): Promise<Node> => {
    const server = await startHttpCli(['--redis', redis.url, '--redis-prefix', 'test:']);
    return { server, client: await connect(server.url) };
  };

  beforeAll(async () => {
    redis = await startRedis({ aof: true });
    for (let i = 0; i < 3; i++) nodes.push(await start());
  }, 60_000);
  afterAll(async () => {
    for (const n of nodes) {
      await n.client.close().catch(() => {});
      await n.server.stop();
    }
    await redis?.dispose();
  });

  it('recalls a write made on any node from every node, with the same id', async () => {
    const a = await call(nodes[0]!.client, 'remember', {
      texts: ['note: the deploy of build 41 failed on the eu cluster'],
      namespace: 'ops',
    });
    const b = await call(nodes[1]!.client, 'remember', {
      texts: ['note: the database migration finished in four minutes'],
      namespace: 'ops',
    });
    const written = [...(a.ids as number[]), ...(b.ids as number[])].sort((x, y) => x - y);
    // Read-your-writes: the writer sees its own entry as soon as remember answered.
    expect(await ids(nodes[1]!, 'ops')).toContain((b.ids as number[])[0]);
    for (const node of nodes) {
      await eventually(
        () => ids(node, 'ops'),
        (got) => got.join() === written.join(),
        'replication',
      );
    }
    const hit = await call(nodes[2]!.client, 'recall', {
      query: 'which deploy failed?',
      namespace: 'ops',
      k: 1,
    });
    expect(hit.hits[0].id).toBe((a.ids as number[])[0]);
    expect(hit.fleet).toEqual({ catching_up: false, stale_since: null });
    const stats = await call(nodes[2]!.client, 'memory_stats', {});
    expect(stats.fleet).toEqual({
      redis: `${redis.url}`,
      prefix: 'test:',
      namespaces: 1,
      catching_up: false,
      stale_since: null,
    });
  });

  it('forgets an entry on every node when one node forgets it', async () => {
    const before = await ids(nodes[0]!, 'ops');
    const victim = before[0]!;
    const res = await call(nodes[2]!.client, 'forget', { ids: [victim], namespace: 'ops' });
    expect(res.forgotten).toEqual([victim]);
    for (const node of nodes) {
      await eventually(
        () => ids(node, 'ops'),
        (got) => !got.includes(victim),
        'the forget',
      );
    }
  });

  it('cuts old entries on every node when one node runs forget_older_than', async () => {
    await call(nodes[0]!.client, 'remember', { texts: ['note: old news'], namespace: 'cut' });
    await new Promise((r) => setTimeout(r, 30));
    const res = await call(nodes[1]!.client, 'forget_older_than', {
      age: '10ms',
      namespace: 'cut',
    });
    expect(res.forgotten).toBe(1);
    for (const node of nodes) {
      await eventually(
        () => ids(node, 'cut'),
        (got) => got.length === 0,
        'the cut',
      );
    }
  });

  it('catches a killed and restarted node up on what it missed', async () => {
    const victim = nodes[2]!;
    await victim.client.close().catch(() => {});
    victim.server.child.kill('SIGKILL');
    await victim.server.stop();
    const w = await call(nodes[0]!.client, 'remember', {
      texts: Array.from({ length: 20 }, (_, i) => `note: written while node three was down ${i}`),
      namespace: 'ops',
    });
    nodes[2] = await start();
    const expected = await ids(nodes[0]!, 'ops');
    expect(expected).toEqual(expect.arrayContaining(w.ids as number[]));
    await eventually(
      () => ids(nodes[2]!, 'ops'),
      (got) => got.join() === expected.join(),
      'the restarted node to catch up',
    );
  });

  it('loses nothing acknowledged when Redis restarts mid-stream, and refuses writes while it is down', async () => {
    const acked: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await call(nodes[i % 3]!.client, 'remember', {
        texts: [`note: durable entry ${i}`],
        namespace: 'aof',
      });
      acked.push(...(r.ids as number[]));
    }
    await redis.stop();
    const refused = await eventually(
      () => raw(nodes[0]!.client, 'remember', { texts: ['note: lost?'], namespace: 'aof' }),
      (r) => r.isError === true,
      'a refused write',
    );
    expect(JSON.stringify(refused.content)).toMatch(/nothing was stored/);
    const stale = await eventually(
      () => call(nodes[1]!.client, 'recall', { query: 'note', namespace: 'aof', k: 50 }),
      (r) => r.fleet.stale_since !== null,
      'stale_since',
    );
    expect(stale.hits.length).toBe(10);
    await redis.restart();
    const after = await eventually(
      () => raw(nodes[0]!.client, 'remember', { texts: ['note: after'], namespace: 'aof' }),
      (r) => r.isError !== true,
      'writes to work again',
    );
    const all = [...acked, ...(after.structuredContent as { ids: number[] }).ids].sort(
      (a, b) => a - b,
    );
    for (const node of nodes) {
      await eventually(
        () => ids(node, 'aof'),
        (got) => got.join() === all.join(),
        'recovery',
      );
    }
    // A node started now rebuilds the same window from the AOF-restored stream.
    const fresh = await start();
    nodes.push(fresh);
    await eventually(
      () => ids(fresh, 'aof'),
      (got) => got.join() === all.join(),
      'a fresh node',
    );
  });
});
