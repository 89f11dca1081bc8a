import type { Document } from '@langchain/core/documents';
import { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingmemRetriever } from '../src/adapters/langchain.js';
import { MemoryEngine } from '../src/engine/index.js';
import { JsKernel } from '../src/kernel/index.js';
import { Memory } from '../src/memory.js';
import { anomalyFields } from '../src/present/anomaly.js';
import { CLI, cliEnv, type HttpChild, startHttpCli } from './helpers/cli.js';
import { HashEmbedder } from './helpers/hash-embedder.js';

function inProcessMemory(): Memory {
  const embedder = new HashEmbedder();
  return new Memory(new MemoryEngine({ dim: embedder.dim, kernel: new JsKernel() }), embedder);
}

describe('RingmemRetriever in-process', () => {
  it('returns Documents with text, id, score, timestamp and tags inside a LangChain runnable chain', async () => {
    const memory = inProcessMemory();
    await memory.remember(['the invoice service times out on large PDFs'], {
      namespace: 'agent',
      tags: ['billing'],
      metadata: { ticket: 'B-12' },
    });
    await memory.remember(['lunch is at noon'], { namespace: 'agent' });
    const retriever = new RingmemRetriever({ source: { memory }, namespace: 'agent', k: 1 });
    const chain = RunnableSequence.from([
      retriever,
      RunnableLambda.from((docs: Document[]) =>
        docs.map((d) => `${d.metadata.id}: ${d.pageContent}`).join('\n'),
      ),
    ]);
    expect(await chain.invoke('invoice service PDFs time out')).toBe(
      '1: the invoice service times out on large PDFs',
    );
    const [doc] = await retriever.invoke('invoice service PDFs time out');
    expect(doc?.metadata).toMatchObject({
      id: 1,
      tags: ['billing'],
      namespace: 'agent',
      metadata: { ticket: 'B-12' },
    });
    expect(doc?.metadata.score).toBeGreaterThan(0.5);
    expect(Date.parse(doc?.metadata.timestamp)).not.toBeNaN();
  });

  it('filters by tags and time window like recall', async () => {
    const memory = inProcessMemory();
    await memory.remember(['disk alert on node one'], { namespace: 'ops', tags: ['disk'] });
    await memory.remember(['disk replaced on node one'], { namespace: 'ops', tags: ['hw'] });
    const retriever = new RingmemRetriever({
      source: { memory },
      namespace: 'ops',
      filterTags: ['hw'],
      within: '1h',
    });
    const docs = await retriever.invoke('disk node one');
    expect(docs.map((d) => d.pageContent)).toEqual(['disk replaced on node one']);
  });

  it('scores a text with the same fields as the anomaly_score tool', async () => {
    const memory = inProcessMemory();
    await memory.remember(['disk usage normal on node one', 'disk usage normal on node two'], {
      namespace: 'ops',
    });
    const retriever = new RingmemRetriever({ source: { memory }, namespace: 'ops' });
    const fields = await retriever.anomalyScore('kernel panic on node three');
    expect(fields).toEqual(
      anomalyFields(await memory.anomaly('kernel panic on node three', { namespace: 'ops' })),
    );
    expect(fields).toMatchObject({ verdict: 'warming_up', window_size: 2, k: 8 });
    await retriever.anomalyScore('kernel panic on node three', { remember: true });
    expect(memory.stats('ops')[0]!.count).toBe(3);
  });

  it('rejects bad options with messages that say what is expected', () => {
    const memory = inProcessMemory();
    expect(() => new RingmemRetriever({ source: { memory }, k: 0 })).toThrow(
      /integer from 1 to 100/,
    );
    expect(() => new RingmemRetriever({ source: { memory }, within: 'soon' })).toThrow(/duration/);
  });
});

describe('RingmemRetriever over MCP', () => {
  let server: HttpChild;
  beforeAll(async () => {
    server = await startHttpCli();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('reads the memory an agent wrote to a running ringmem server', async () => {
    const agent = new MultiServerMCPClient({
      mcpServers: { ringmem: { transport: 'http', url: server.url } },
      useStandardContentBlocks: true,
    });
    const tools = await agent.getTools();
    const remember = tools.find((t) => t.name === 'remember')!;
    await remember.invoke({
      texts: ['the staging database password was rotated', 'ship the release on Friday'],
      namespace: 'shared',
    });
    await agent.close();

    const retriever = new RingmemRetriever({
      source: { url: server.url },
      namespace: 'shared',
      k: 2,
    });
    const docs = await retriever.invoke('ship the release on Friday');
    expect(docs[0]?.pageContent).toBe('ship the release on Friday');
    expect(docs).toHaveLength(2);
    // The server renders scores with the same function: same keys as in process.
    const fields = await retriever.anomalyScore('the staging database password was rotated');
    expect(Object.keys(fields)).toEqual(
      expect.arrayContaining(
        Object.keys(anomalyFields(await inProcessMemory().anomaly('x', { namespace: 'n' }))),
      ),
    );
    expect(fields).toMatchObject({ verdict: 'warming_up', window_size: 2 });
    await retriever.close();
  });
});

describe('@langchain/mcp-adapters over stdio', () => {
  it('loads ringmem tools with MultiServerMCPClient and calls remember then recall', async () => {
    const client = new MultiServerMCPClient({
      mcpServers: {
        ringmem: { transport: 'stdio', command: process.execPath, args: [CLI], env: cliEnv() },
      },
    });
    try {
      const tools = await client.getTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'anomaly_score',
        'forget',
        'forget_older_than',
        'memory_stats',
        'recall',
        'remember',
      ]);
      const remember = tools.find((t) => t.name === 'remember')!;
      const recall = tools.find((t) => t.name === 'recall')!;
      await remember.invoke({ text: 'the user wants weekly summaries on Mondays' });
      const out = await recall.invoke({
        query: 'the user wants weekly summaries on Mondays',
        k: 1,
      });
      expect(JSON.stringify(out)).toContain('the user wants weekly summaries on Mondays');
    } finally {
      await client.close();
    }
  });
});
