import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawStdio } from './helpers/raw-stdio.js';

const METHODS = [
  'ping',
  'initialize',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'logging/setLevel',
  'prompts/list',
  'completion/complete',
  'notifications/cancelled',
  'notifications/initialized',
  'no/such/method',
];
const TOOLS = [
  'remember',
  'recall',
  'anomaly_score',
  'forget_older_than',
  'forget',
  'memory_stats',
  'nope',
];
const ARG_NAMES = [
  'text',
  'texts',
  'query',
  'k',
  'namespace',
  'tags',
  'tag_mode',
  'within',
  'since',
  'until',
  'min_score',
  'age',
  'before',
  'ids',
  'metadata',
  'remember',
  '__proto__',
  'constructor',
];

const id = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.constant(null),
  fc.double(),
  fc.jsonValue({ maxDepth: 1 }),
);
const value = fc.jsonValue({ maxDepth: 4 });
const durationish = fc.oneof(
  fc.constantFrom('0s', '1h', '99999999999999999999d', 'PT', 'P1W', '1.5h', '-1s', '1e400d'),
  fc.string({ maxLength: 12 }),
);
const args = fc.dictionary(
  fc.constantFrom(...ARG_NAMES),
  fc.oneof(value, durationish, fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 })),
  { maxKeys: 5 },
);
const toolCall = fc.record({
  jsonrpc: fc.constant('2.0'),
  id,
  method: fc.constant('tools/call'),
  params: fc.oneof(fc.record({ name: fc.constantFrom(...TOOLS), arguments: args }), value),
});
const message = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('1.0'), value),
    id,
    method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 20 })),
    params: value,
    result: value,
    error: value,
  },
  { requiredKeys: [] },
);

/** A case: one or more lines, as a client (or an attacker) might write them. */
const line = fc.oneof(
  message.map((m) => JSON.stringify(m)),
  toolCall.map((m) => JSON.stringify(m)),
  value.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200, unit: 'binary' }).map((s) => s.replace(/\n/g, ' ')),
  fc.array(message, { maxLength: 3 }).map((a) => JSON.stringify(a)),
);
const lines = fc.array(line, { minLength: 1, maxLength: 4 });

/** Inputs known to have broken JSON-RPC servers. */
const CORPUS = [
  '',
  '\r',
  '\uFEFF{"jsonrpc":"2.0","id":1,"method":"ping"}',
  'null',
  '[]',
  '[{"jsonrpc":"2.0","id":1,"method":"ping"}]',
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  `{"a":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`,
  '{"jsonrpc":"2.0","id":1e400,"method":"ping"}',
  '{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}',
  '{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"forget_older_than","arguments":{"age":"99999999999999999999d"}}}',
  '{"jsonrpc":"2.0","id":"y","method":"tools/call","params":{"name":"remember","arguments":{"text":"\\ud800","metadata":{"__proto__":{"a":{"b":1}}}}}}',
  '{"jsonrpc":"2.0","id":"z","method":"tools/call","params":5}',
  '{"jsonrpc":"2.0","id":"w","method":"tools/call","params":{"name":"recall","arguments":{"query":"\\u0000\\u0000","k":1e308}}}',
  '{"jsonrpc":"2.0","id":"v","method":"resources/read","params":{"uri":"ringmem://namespaces/%E0%A4%A/recent"}}',
  '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"v"}}',
  '{"jsonrpc":"2.0","id":"u","result":{}}',
  'x'.repeat(1_000_000),
  // Past the SDK's own 10 MiB stdio buffer, which used to end the session.
  `{"jsonrpc":"2.0","id":"big","method":"ping","params":{"pad":"${'x'.repeat(11 * 1024 ** 2)}"}}`,
];

describe('fuzzing the JSON-RPC surface over stdio', () => {
  let io: RawStdio;
  let pings = 0;

  beforeAll(async () => {
    io = new RawStdio(['--capacity', '200']);
    await io.initialize();
  });
  afterAll(async () => {
    expect(await io.end()).toBe(0);
  });

  async function survives(text: string): Promise<void> {
    await io.write(text.endsWith('\n') ? text : `${text}\n`);
    const id = `fuzz-ping-${pings++}`;
    await io.send({ jsonrpc: '2.0', id, method: 'ping' });
    const reply = await io.reply(id, 30_000);
    expect(reply.result).toEqual({});
  }

  it('answers ping after every corpus case and writes nothing but JSON-RPC to stdout', async () => {
    for (const c of CORPUS) await survives(c);
    expect(io.strayLines()).toEqual([]);
    expect(io.stderr).not.toMatch(/\n\s+at /);
  });

  it('answers ping after every generated case and writes nothing but JSON-RPC to stdout', async () => {
    await fc.assert(
      fc.asyncProperty(lines, async (ls) => {
        await survives(ls.join('\n'));
        expect(io.strayLines()).toEqual([]);
      }),
      { numRuns: 300, seed: 1313 },
    );
    // Every reply carries an id the client sent or null; error replies have a numeric code.
    for (const l of io.lines) {
      if (typeof l !== 'object') continue;
      if (l.method === 'notifications/message') {
        expect(JSON.stringify(l.params)).not.toMatch(/\\n\s+at |node_modules|\/src\//);
      }
      if (l.error === undefined) continue;
      expect(Number.isInteger(l.error.code)).toBe(true);
      expect(l.error.message).not.toMatch(/\n\s+at |node_modules|\/src\//);
    }
  }, 240_000);
});
