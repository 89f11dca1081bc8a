import { z } from 'zod';
import { SETTINGS } from '../src/config.js';
import {
  anomalyInput,
  DEFAULT_LIMITS,
  forgetInput,
  forgetOlderThanInput,
  recallInput,
  rememberInput,
  statsInput,
} from '../src/mcp/schemas.js';

/**
 * README sections rendered from the code that defines them (tool schemas, settings), so the
 * documentation cannot drift: `npm run docs` rewrites them and a test fails when they are stale.
 */

interface JsonSchemaProp {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: JsonSchemaProp;
  anyOf?: JsonSchemaProp[];
  maxItems?: number;
}

/** Text safe inside a markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function typeOf(p: JsonSchemaProp): string {
  if (p.enum) return p.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (p.type === 'array') return `${typeOf(p.items ?? {})}[]`;
  if (p.anyOf) return p.anyOf.map(typeOf).join(' \\| ');
  if (Array.isArray(p.type)) return p.type.join(' \\| ');
  return p.type ?? 'object';
}

const TOOLS: { name: string; summary: string; schema: z.ZodType }[] = [
  {
    name: 'remember',
    summary: 'Store texts; each gets its anomaly score at arrival.',
    schema: rememberInput(DEFAULT_LIMITS),
  },
  {
    name: 'recall',
    summary:
      'Top-k over the window by meaning and exact words (hybrid), filtered by time and tags.',
    schema: recallInput(DEFAULT_LIMITS),
  },
  {
    name: 'anomaly_score',
    summary: 'How unusual a text is against the window (optionally remember it).',
    schema: anomalyInput(DEFAULT_LIMITS),
  },
  {
    name: 'forget_older_than',
    summary: 'Forget by age or time, in one namespace or all.',
    schema: forgetOlderThanInput,
  },
  {
    name: 'forget',
    summary: 'Forget by id (all-or-nothing).',
    schema: forgetInput(DEFAULT_LIMITS),
  },
  {
    name: 'memory_stats',
    summary: 'Per-namespace sizes and ages, model, kernel.',
    schema: statsInput,
  },
];

export function renderToolReference(): string {
  const out: string[] = [];
  for (const tool of TOOLS) {
    const js = z.toJSONSchema(tool.schema, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, JsonSchemaProp>;
      required?: string[];
    };
    out.push(
      `#### \`${tool.name}\` — ${tool.summary}`,
      '',
      '| argument | type | default | meaning |',
      '|---|---|---|---|',
    );
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      const required = js.required?.includes(name) && prop.default === undefined;
      const dflt =
        prop.default === undefined
          ? required
            ? 'required'
            : ''
          : `\`${JSON.stringify(prop.default)}\``;
      out.push(`| \`${name}\` | ${typeOf(prop)} | ${dflt} | ${cell(prop.description ?? '')} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export function renderConfigTable(): string {
  const rows = SETTINGS.map(
    (s) =>
      `| \`${s.flag}\` | \`${s.env}\` | \`${s.default || '—'}\` | ${cell(s.accepts)} | ${cell(s.description)} |`,
  );
  return [
    '| flag | environment | default | accepts | what it does |',
    '|---|---|---|---|---|',
    ...rows,
    '| — | `RINGMEM_TOKEN` | — | any string | HTTP mode: bearer token clients must send (environment only, never a flag). |',
    '| — | `RINGMEM_MODEL_DIR` | — | a directory | Use the model in this directory (a manifest.json and its files). |',
    '| — | `RINGMEM_CACHE_DIR` | per-user cache | a directory | Where `ringmem models fetch` stores models. |',
    '| — | `HF_ENDPOINT` | `https://huggingface.co` | a URL | Hugging Face mirror for `ringmem models fetch`. |',
  ].join('\n');
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` markers. */
export function replaceSection(doc: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README has no ${start} … ${end} section`);
  return `${doc.slice(0, i + start.length)}\n${body}\n${doc.slice(j)}`;
}
