import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { mcpToFunctionTool, RunContext } from '@openai/agents-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatDuration } from '../src/time.js';
import { type Harness, startHarness, textOf } from './helpers/mcp-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
  vi.restoreAllMocks();
});

/** The smallest valid arguments of each tool: what a strict agent would fill in. */
const SAMPLE_ARGS: Record<string, Record<string, unknown>> = {
  remember: { text: 'the deploy of service alpha failed' },
  recall: { query: 'deploy failures' },
  forget_older_than: { age: '1h' },
  anomaly_score: { text: 'disk full on node 3' },
  forget: { ids: [1] },
  memory_stats: {},
};

/** An @openai/agents MCPServer over the SDK's own Client: what MCPServerStdio/Http do inside. */
function agentsServer(harness: Harness) {
  return {
    name: 'ringmem',
    cacheToolsList: false,
    callTool: async (name: string, args: Record<string, unknown> | null) => {
      const res = (await harness.client.callTool({
        name,
        arguments: args ?? {},
      })) as CallToolResult;
      if (res.isError) throw new Error(textOf(res));
      return res.content;
    },
  };
}

type FunctionToolLike = {
  strict: boolean;
  parameters: Record<string, unknown>;
  invoke: (ctx: RunContext, input: string) => Promise<unknown>;
};

/**
 * JSON Schema keywords every SDK in the issue passes through without a warning: OpenAI strict
 * mode's documented subset, which is also what the AI SDK's provider converters (Gemini's OpenAPI
 * subset among them) and Mastra's JSON-Schema-to-zod step understand.
 */
const PORTABLE_KEYWORDS = new Set([
  '$schema',
  'type',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'default',
  'anyOf',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
]);

/** Every problem a strict or portable converter would warn about, as path: message. */
function portabilityProblems(schema: unknown, path = '$'): string[] {
  if (typeof schema !== 'object' || schema === null) return [`${path}: not a schema object`];
  const node = schema as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(node)) {
    if (!PORTABLE_KEYWORDS.has(key)) problems.push(`${path}: keyword "${key}"`);
  }
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('object')) {
    if (typeof node.properties !== 'object') problems.push(`${path}: object without properties`);
    if (node.additionalProperties !== false) {
      problems.push(`${path}: open object (additionalProperties is not false)`);
    }
    for (const [name, sub] of Object.entries((node.properties as object) ?? {})) {
      problems.push(...portabilityProblems(sub, `${path}.${name}`));
    }
  }
  if (node.items !== undefined) problems.push(...portabilityProblems(node.items, `${path}[]`));
  if (Array.isArray(node.anyOf)) {
    node.anyOf.forEach((sub, i) => {
      problems.push(...portabilityProblems(sub, `${path}|${i}`));
    });
  }
  return problems;
}

/** The values a strict schema forces a model to send: every optional property as null. */
function strictArguments(
  strictSchema: Record<string, unknown>,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of strictSchema.required as string[]) out[key] = given[key] ?? null;
  return out;
}

describe('tool schemas under the agent SDKs', () => {
  it('every tool converts to an OpenAI strict schema with @openai/agents convertSchemasToStrict, without a warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    const stderr = vi.spyOn(process.stderr, 'write');
    const { tools } = await h.client.listTools();
    expect(tools).toHaveLength(6);
    for (const tool of tools) {
      const converted = mcpToFunctionTool(
        tool as never,
        agentsServer(h) as never,
        true,
      ) as unknown as FunctionToolLike;
      expect(converted.strict, `${tool.name} fell back to non-strict`).toBe(true);
      const params = converted.parameters;
      expect(params.additionalProperties).toBe(false);
      expect([...(params.required as string[])].sort()).toEqual(
        Object.keys(params.properties as object).sort(),
      );
    }
    const said = [...warn.mock.calls, ...error.mock.calls, ...stderr.mock.calls]
      .map((c) => String(c[0]))
      .filter((s) => /strict|schema/i.test(s));
    expect(said).toEqual([]);
  });

  it('every input schema uses only keywords the AI SDK, Mastra and strict mode all accept, and no open object', async () => {
    const { tools } = await h.client.listTools();
    for (const tool of tools) {
      expect(portabilityProblems(tool.inputSchema), tool.name).toEqual([]);
    }
  });

  it('the portability check itself rejects the open metadata object the tools used to publish', () => {
    expect(
      portabilityProblems({
        type: 'object',
        properties: {
          metadata: {
            type: 'object',
            propertyNames: { type: 'string' },
            additionalProperties: { type: 'string' },
          },
        },
        additionalProperties: false,
      }),
    ).toEqual([
      '$.metadata: keyword "propertyNames"',
      '$.metadata: object without properties',
      '$.metadata: open object (additionalProperties is not false)',
    ]);
  });

  it('every tool runs through an @openai/agents strict function tool with nulls for the optional fields', async () => {
    const { tools } = await h.client.listTools();
    const byName = new Map<string, Tool>(tools.map((t) => [t.name, t]));
    // forget needs a live id: remember first, through the strict tool as an agent would.
    const order = [
      'remember',
      'recall',
      'anomaly_score',
      'memory_stats',
      'forget',
      'forget_older_than',
    ];
    for (const name of order) {
      const converted = mcpToFunctionTool(
        byName.get(name) as never,
        agentsServer(h) as never,
        true,
      ) as unknown as FunctionToolLike;
      const args = strictArguments(converted.parameters, SAMPLE_ARGS[name]!);
      const out = await converted.invoke(new RunContext(), JSON.stringify(args));
      expect(JSON.stringify(out), `${name} ${JSON.stringify(args)}`).not.toMatch(/error|invalid/i);
    }
  });

  it('remember takes metadata as key/value pairs, the form strict mode can express, and recall returns it as an object', async () => {
    const { tools } = await h.client.listTools();
    const remember = tools.find((t) => t.name === 'remember')!;
    const converted = mcpToFunctionTool(
      remember as never,
      agentsServer(h) as never,
      true,
    ) as unknown as FunctionToolLike;
    const args = strictArguments(converted.parameters, {
      text: 'the invoice service times out on large PDFs',
      metadata: [
        { key: 'ticket', value: 'B-12' },
        { key: 'attempt', value: 2 },
        { key: 'urgent', value: true },
        { key: 'owner', value: null },
      ],
    });
    await converted.invoke(new RunContext(), JSON.stringify(args));
    const res = await h.call('recall', { query: 'invoice PDFs', k: 1 });
    const hit = (res.structuredContent as { hits: { metadata: unknown }[] }).hits[0];
    expect(hit?.metadata).toEqual({ ticket: 'B-12', attempt: 2, urgent: true, owner: null });
  });

  it('still accepts metadata as a flat object, and applies the same rules to both forms', async () => {
    const ok = await h.call('remember', { text: 'a', metadata: { source: 'test' } });
    expect(ok.isError).toBeFalsy();
    const cases: [unknown, RegExp][] = [
      [
        [
          { key: 'a', value: 1 },
          { key: 'a', value: 2 },
        ],
        /appears twice/,
      ],
      [[{ key: 'a', value: { nested: 1 } }], /flat, no nesting/],
      [{ a: { nested: 1 } }, /flat, no nesting/],
      [[{ key: 'blob', value: 'y'.repeat(5000) }], /larger than 4096 bytes/],
      [{ blob: 'y'.repeat(5000) }, /larger than 4096 bytes/],
      [[{ key: 'a' }], /metadata/],
      ['ticket=B-12', /key.*value/],
    ];
    for (const [metadata, message] of cases) {
      const res = await h.call('remember', { text: 'x', metadata });
      expect(res.isError, JSON.stringify(metadata)).toBe(true);
      expect(textOf(res)).toMatch(message);
    }
  });
});

/** Scalar leaves of a structured result, with their key, for the text-completeness check. */
function leaves(value: unknown, key = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((v) => leaves(v, key));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, k));
  }
  return [[key, value]];
}

/** Fails with the leaves of structuredContent that the text rendering does not carry. */
function missingFromText(result: CallToolResult): string[] {
  const text = textOf(result);
  const missing: string[] = [];
  for (const [key, value] of leaves(result.structuredContent)) {
    if (value === null || value === false) continue;
    if (value === true) {
      const words = key.replace(/^is_/, '').split('_');
      if (!words.every((w) => text.includes(w.slice(0, 6)))) missing.push(`${key}=true`);
      continue;
    }
    let expected = String(value);
    if (key.endsWith('_seconds') && typeof value === 'number') {
      expected = formatDuration(value * 1000);
    }
    if (!text.includes(expected)) missing.push(`${key}=${expected}`);
  }
  return missing;
}

describe('text renderings for clients that drop structuredContent', () => {
  it('carry every value of every tool result', async () => {
    const stored = await h.call('remember', {
      texts: ['the database connection pool is exhausted', 'user prefers dark mode'],
      tags: ['ops', 'db'],
      metadata: [{ key: 'source', value: 'pager' }],
    });
    expect(missingFromText(stored)).toEqual([]);
    h.clock.t += 90_000;
    for (let i = 0; i < 12; i++) {
      await h.call('remember', { text: `routine heartbeat number ${i} from the worker` });
    }
    const results: [string, CallToolResult][] = [
      ['recall', await h.call('recall', { query: 'database pool', k: 3 })],
      ['anomaly_score', await h.call('anomaly_score', { text: 'pool exhausted', remember: true })],
      ['memory_stats', await h.call('memory_stats', {})],
      ['forget', await h.call('forget', { ids: [2] })],
      ['forget_older_than', await h.call('forget_older_than', { age: '1m' })],
      ['remember', await h.call('remember', { text: 'kernel panic on host 7' })],
    ];
    for (const [name, res] of results) {
      expect(res.isError, name).toBeFalsy();
      expect(missingFromText(res), `${name}:\n${textOf(res)}`).toEqual([]);
    }
  });

  it('the completeness check notices a dropped value', () => {
    const res: CallToolResult = {
      content: [{ type: 'text', text: 'stored 1 (id 4)' }],
      structuredContent: { id: 4, namespace: 'agent' },
    };
    expect(missingFromText(res)).toEqual(['namespace=agent']);
  });
});
