import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashEmbedder } from './helpers/hash-embedder.js';
import { type Harness, startHarness, textOf } from './helpers/mcp-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function expectToolError(name: string, args: Record<string, unknown>, message: RegExp) {
  const res = await h.call(name, args);
  expect(res.isError, `${name} ${JSON.stringify(args)} → ${textOf(res)}`).toBe(true);
  expect(textOf(res)).toMatch(message);
  return res;
}

describe('MCP tools over the SDK client', () => {
  it('lists six tools with valid JSON Schemas, annotations and output schemas', async () => {
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'anomaly_score',
      'forget',
      'forget_older_than',
      'memory_stats',
      'recall',
      'remember',
    ]);
    const ajv = new Ajv({ strict: false });
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(() => ajv.compile(tool.inputSchema)).not.toThrow();
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(() => ajv.compile(tool.outputSchema!)).not.toThrow();
      expect(tool.description?.length).toBeGreaterThan(20);
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.remember?.annotations?.destructiveHint).toBe(false);
    expect(byName.recall?.annotations?.readOnlyHint).toBe(true);
    expect(byName.forget_older_than?.annotations).toMatchObject({
      destructiveHint: true,
      idempotentHint: true,
    });
  });

  it('gives the model instructions on when to use each tool', () => {
    const instructions = h.client.getInstructions() ?? '';
    for (const tool of ['remember', 'recall', 'anomaly_score', 'forget_older_than']) {
      expect(instructions).toContain(tool);
    }
  });

  it('remembers texts and recalls them by meaning with structured content that fits the output schema', async () => {
    const { tools } = await h.client.listTools();
    const ajv = new Ajv({ strict: false });
    const validators = Object.fromEntries(tools.map((t) => [t.name, ajv.compile(t.outputSchema!)]));
    const stored = await h.call('remember', {
      texts: ['the database connection pool is exhausted', 'user prefers dark mode in the editor'],
      tags: ['ops'],
      metadata: { source: 'test', attempt: 1 },
    });
    expect(stored.isError).toBeFalsy();
    expect(validators.remember!(stored.structuredContent)).toBe(true);
    expect(stored.structuredContent).toMatchObject({ stored: 2, namespace: 'default' });

    const res = await h.call('recall', { query: 'database pool exhausted', k: 1 });
    expect(validators.recall!(res.structuredContent)).toBe(true);
    const hits = (
      res.structuredContent as { hits: { text: string; tags: string[]; metadata: unknown }[] }
    ).hits;
    expect(hits[0]?.text).toBe('the database connection pool is exhausted');
    expect(hits[0]?.tags).toEqual(['ops']);
    expect(hits[0]?.metadata).toEqual({ source: 'test', attempt: 1 });
    expect(textOf(res)).toContain('database connection pool');

    const anomaly = await h.call('anomaly_score', { text: 'completely different words here' });
    expect(validators.anomaly_score!(anomaly.structuredContent)).toBe(true);
    expect(anomaly.structuredContent).toMatchObject({ verdict: 'warming_up', window_size: 2 });

    const stats = await h.call('memory_stats', {});
    expect(validators.memory_stats!(stats.structuredContent)).toBe(true);
    expect(stats.structuredContent).toMatchObject({
      model: { id: 'test-hash', status: 'ready' },
      kernel: { backend: 'js' },
    });

    const ids = (stored.structuredContent as { ids: number[] }).ids;
    const forgot = await h.call('forget', { ids: [ids[1]] });
    expect(validators.forget!(forgot.structuredContent)).toBe(true);
    h.clock.t += 3_600_000;
    const old = await h.call('forget_older_than', { age: '30m' });
    expect(validators.forget_older_than!(old.structuredContent)).toBe(true);
    expect(old.structuredContent).toMatchObject({ forgotten: 1, remaining: 0 });
  });

  it('filters recall by a time window given as a duration or as ISO 8601 times', async () => {
    await h.call('remember', { text: 'deploy started for service alpha' });
    h.clock.t += 2 * 3_600_000;
    await h.call('remember', { text: 'deploy finished for service alpha' });
    const recent = await h.call('recall', { query: 'deploy service alpha', within: '1h', k: 10 });
    const texts = (r: typeof recent) =>
      (r.structuredContent as { hits: { text: string }[] }).hits.map((x) => x.text);
    expect(texts(recent)).toEqual(['deploy finished for service alpha']);
    const until = new Date(h.clock.t - 3_600_000).toISOString();
    const early = await h.call('recall', { query: 'deploy service alpha', until, k: 10 });
    expect(texts(early)).toEqual(['deploy started for service alpha']);
  });

  it('filters recall by tags with any or all', async () => {
    await h.call('remember', { text: 'disk full on node one', tags: ['disk', 'alert'] });
    await h.call('remember', { text: 'disk replaced on node two', tags: ['disk'] });
    const all = await h.call('recall', {
      query: 'disk node',
      tags: ['disk', 'alert'],
      tag_mode: 'all',
    });
    expect((all.structuredContent as { hits: unknown[] }).hits).toHaveLength(1);
    const any = await h.call('recall', { query: 'disk node', tags: ['alert', 'disk'] });
    expect((any.structuredContent as { hits: unknown[] }).hits).toHaveLength(2);
  });

  it('reads statistics and the newest entries as resources', async () => {
    await h.call('remember', { texts: ['first note', 'second note'], namespace: 'notes' });
    const { resources } = await h.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(
      expect.arrayContaining(['ringmem://stats', 'ringmem://namespaces/notes/recent']),
    );
    const recent = await h.client.readResource({ uri: 'ringmem://namespaces/notes/recent' });
    const body = JSON.parse((recent.contents[0] as { text: string }).text);
    expect(body.entries.map((e: { text: string }) => e.text)).toEqual([
      'second note',
      'first note',
    ]);
    const stats = await h.client.readResource({ uri: 'ringmem://stats' });
    expect(JSON.parse((stats.contents[0] as { text: string }).text).namespaces[0].namespace).toBe(
      'notes',
    );
  });

  it('sends progress notifications for a batch remember when the client asks for them', async () => {
    const progress: number[] = [];
    const texts = Array.from({ length: 100 }, (_, i) => `log line number ${i}`);
    await h.client.callTool({ name: 'remember', arguments: { texts } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toBe(100);
  });
});

describe('MCP tools reject bad input with isError and a message that says what is accepted', () => {
  it('names the missing field when a required one is left out', async () => {
    await expectToolError('remember', {}, /exactly one of "text".*or "texts"/);
    await expectToolError('recall', {}, /query/);
    await expectToolError('anomaly_score', {}, /text/);
    await expectToolError('forget', {}, /ids/);
    await expectToolError('forget_older_than', {}, /exactly one of "age".*or "before"/);
  });

  it('names a field the tool does not know', async () => {
    await expectToolError('recall', { query: 'x', limit: 3 }, /limit/);
    await expectToolError('remember', { text: 'x', namesapce: 'a' }, /namesapce/);
  });

  it('names a field of the wrong type and the type it must have', async () => {
    await expectToolError('recall', { query: 42 }, /query must be a string/);
    await expectToolError('recall', { query: 'x', k: '5' }, /k must be an integer/);
    await expectToolError('remember', { text: 'x', tags: 'ops' }, /tags must be an array/);
    await expectToolError(
      'anomaly_score',
      { text: 'x', remember: 'yes' },
      /remember must be true or false/,
    );
  });

  it('refuses empty and whitespace-only text', async () => {
    await expectToolError('remember', { text: '' }, /non-whitespace/);
    await expectToolError('remember', { texts: ['ok', '   '] }, /non-whitespace/);
    await expectToolError('recall', { query: ' \n' }, /non-whitespace/);
  });

  it('refuses oversized text, batches, metadata and tag lists, storing nothing', async () => {
    await expectToolError('remember', { text: 'x'.repeat(40 * 1024) }, /longer than 32768 bytes/);
    await expectToolError('remember', { texts: Array(257).fill('x') }, /at most 256 texts/);
    await expectToolError(
      'remember',
      { text: 'x', metadata: { blob: 'y'.repeat(5000) } },
      /metadata is larger than 4096 bytes/,
    );
    await expectToolError('remember', { text: 'x', metadata: { nested: { a: 1 } } }, /flat/);
    await expectToolError('remember', { text: 'x', tags: Array(17).fill('t') }, /at most 16 tags/);
    expect(h.memory.stats()).toEqual([]);
  });

  it('refuses a namespace name that is not 1–64 allowed characters', async () => {
    await expectToolError('remember', { text: 'x', namespace: 'has space' }, /1–64 characters/);
    await expectToolError('recall', { query: 'x', namespace: '' }, /1–64 characters/);
  });

  it('refuses to forget unknown ids without deleting the known ones', async () => {
    const stored = await h.call('remember', { text: 'keep me' });
    const id = (stored.structuredContent as { ids: number[] }).ids[0]!;
    await expectToolError(
      'forget',
      { ids: [id, 999_999] },
      /no live memory with id 999999.*nothing was deleted/,
    );
    expect(h.memory.stats('default')[0]?.count).toBe(1);
  });

  it('refuses invalid durations and dates, saying which forms are accepted', async () => {
    await expectToolError(
      'recall',
      { query: 'x', within: '10 minutes' },
      /not a duration such as "90s"/,
    );
    await expectToolError('forget_older_than', { age: '-5m' }, /duration/);
    await expectToolError('recall', { query: 'x', since: 'yesterday' }, /ISO 8601/);
    await expectToolError('recall', { query: 'x', since: '2026-02-30' }, /ISO 8601/);
    await expectToolError('recall', { query: 'x', since: '2026-05-01T10:00:00' }, /offset/);
    await expectToolError(
      'recall',
      { query: 'x', since: '2026-05-02', until: '2026-05-01' },
      /"since" is after "until"/,
    );
    await expectToolError('forget_older_than', { age: '1h', before: '2026-01-01' }, /exactly one/);
  });

  it('refuses a k outside 1 to 100 or not a whole number', async () => {
    await expectToolError('recall', { query: 'x', k: 0 }, /k must be an integer from 1 to 100/);
    await expectToolError('recall', { query: 'x', k: 101 }, /k must be an integer from 1 to 100/);
    await expectToolError('recall', { query: 'x', k: 2.5 }, /k must be an integer/);
  });

  it('reports the memory cap when the engine is full, keeping what it stored', async () => {
    await h.close();
    h = await startHarness({ maxBytes: 200 * 1024, capacity: 100_000 });
    const text = 'z'.repeat(30_000);
    let last = await h.call('remember', { text });
    for (let i = 0; i < 10 && !last.isError; i++) last = await h.call('remember', { text });
    expect(last.isError).toBe(true);
    expect(textOf(last)).toMatch(/memory cap.*forget old entries/);
    expect(h.memory.stats()[0]!.count).toBeGreaterThan(0);
  });

  it('refuses a namespace past the namespace limit', async () => {
    for (let i = 0; i < 10; i++) await h.call('remember', { text: 'x', namespace: `n${i}` });
    await expectToolError('remember', { text: 'x', namespace: 'n10' }, /maximum of 10 namespaces/);
  });

  it('reports a model that failed to load with the fix in the message', async () => {
    await h.close();
    const err = Object.assign(
      new (await import('../src/embed/errors.js')).EmbedError(
        'MODEL_MISSING',
        'model file not found at /x/model.onnx: run `ringmem models fetch bge-small`',
      ),
    );
    h = await startHarness({ embedder: new HashEmbedder(64, { loadError: err }) });
    await expectToolError('remember', { text: 'x' }, /ringmem models fetch bge-small/);
    const stats = await h.call('memory_stats', {});
    expect(stats.structuredContent).toMatchObject({ model: { status: 'failed' } });
  });
});

describe('MCP server start-up', () => {
  it('answers the handshake and lists tools while the model is still loading', async () => {
    await h.close();
    const embedder = new HashEmbedder(64, { loadDelayMs: 300 });
    h = await startHarness({ embedder });
    const stats = await h.call('memory_stats', {});
    expect(stats.structuredContent).toMatchObject({ model: { status: 'loading' } });
    const stored = await h.call('remember', { text: 'waits for the model' });
    expect(stored.isError).toBeFalsy();
  });
});
