import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { directRunUnavailableReason } from '../embed/ort-runner.js';
import { ASYNC_MIN_VALUES, asyncParts } from '../kernel/native-kernel.js';
import type { LogFn } from '../log.js';
import { inspectPersistDir } from '../persist/inspect.js';
import { createRuntime } from '../runtime.js';
import { parseCommandOrExit, settingsHelp } from './flags.js';
import type { CliIo } from './io.js';

export const DOCTOR_HELP = `ringmem doctor — check this installation end to end

Prints versions, the scan kernel in use (and why another was not), the model and where it was
found, then embeds and recalls a few texts as a self-test. Exits 1 if anything failed.

Options:
  --json                         Machine-readable report.
${settingsHelp()}`;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** A dependency's version, found from its entry point (many packages do not export package.json). */
function versionOf(pkg: string, entry = pkg): string {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(entry));
    for (let i = 0; i < 8; i++) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg && json.version) return json.version;
      }
      dir = dirname(dir);
    }
  } catch {
    // fall through
  }
  return 'not found';
}

export async function runDoctor(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandOrExit('doctor', argv, io, { json: { type: 'boolean' } }, DOCTOR_HELP);
  if (typeof parsed === 'number') return parsed;
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  add(
    'node',
    nodeMajor >= 20,
    `${process.version} (${process.platform}-${process.arch}); ringmem needs ≥ 20`,
  );
  add(
    'packages',
    true,
    `onnxruntime-node ${versionOf('onnxruntime-node')}, @huggingface/tokenizers ${versionOf('@huggingface/tokenizers')}, @modelcontextprotocol/sdk ${versionOf('@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/server/mcp.js')}`,
  );
  const warnings: string[] = [];
  const log: LogFn = (level, message) => {
    if (level === 'warning' || level === 'error') warnings.push(message);
  };
  let runtime: ReturnType<typeof createRuntime>;
  try {
    // The self-test must not write into a durable memory directory: doctor only inspects it.
    runtime = createRuntime({ ...parsed.config, persistDir: undefined }, log, io.env);
  } catch (error) {
    add('model', false, (error as Error).message);
    return report(io, checks, parsed.values.json === true);
  }
  const k = runtime.kernel.info;
  add(
    'kernel',
    true,
    `${k.backend}/${k.isa}; this CPU can run: ${k.availableIsas.join(', ') || 'js only'}${k.fallbackReasons.length ? `; fallback because: ${k.fallbackReasons.join('; ')}` : ''}${k.backend === 'native' ? `; scans of ${ASYNC_MIN_VALUES / 1e6}M+ values run off the main thread, shared by up to ${asyncParts(Number.MAX_SAFE_INTEGER)} pool threads` : ''}`,
  );
  const { memory, embedder } = runtime;
  try {
    await memory.ready;
    const where = runtime.model ? `${runtime.model.dir} (${runtime.model.origin})` : 'unknown';
    add(
      'model',
      true,
      `${embedder.modelId}, ${embedder.dim} dims, max ${embedder.maxTokens} tokens, from ${where}${ortCallNote(embedder)}`,
    );
  } catch (error) {
    add('model', false, (error as Error).message);
  }
  if (parsed.config.persistDir) {
    const { ok, detail } = inspectPersistDir(
      parsed.config.persistDir,
      memory.model.id,
      memory.model.dim,
    );
    add('persist', ok, `${detail}; fsync ${parsed.config.fsync}`);
  }
  const { registry } = runtime;
  for (const w of registry.warnings) add('registry', false, w);
  if (checks.every((c) => c.ok)) {
    try {
      const texts = [
        'the nightly backup finished without errors',
        'a user reported that the login page is blank',
        'disk usage on the database host is at 97 percent',
      ];
      const started = performance.now();
      await memory.remember(texts, { namespace: 'doctor' });
      const res = await memory.recall(texts[1]!, { namespace: 'doctor', k: 3 });
      const ms = performance.now() - started;
      const ok = res.hits[0]?.text === texts[1] && Math.abs((res.hits[0]?.score ?? 0) - 1) < 1e-3;
      add(
        'self-test',
        ok,
        ok
          ? `embedded 3 texts and a query, recalled the right text first (${ms.toFixed(1)} ms)`
          : `recall returned ${JSON.stringify(res.hits[0]?.text)} first`,
      );
    } catch (error) {
      add('self-test', false, (error as Error).message);
    }
  }
  // A model failure and the kernel fallback are checks of their own (the JS kernel is a working
  // configuration); only unrelated warnings are added.
  for (const w of warnings) {
    const covered =
      checks.some((c) => w.includes(c.detail)) || k.fallbackReasons.some((r) => w.includes(r));
    if (!covered) add('warning', false, w);
  }
  await runtime.close();
  return report(io, checks, parsed.values.json === true);
}

function report(io: CliIo, checks: Check[], json: boolean): number {
  const ok = checks.every((c) => c.ok);
  if (json) {
    io.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
  } else {
    for (const c of checks)
      io.stdout.write(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(10)} ${c.detail}\n`);
    io.stdout.write(ok ? 'ringmem is ready.\n' : 'ringmem doctor found problems (see ✗ above).\n');
  }
  return ok ? 0 : 1;
}

/** How the embedder calls onnxruntime, and why not directly when it cannot (see ort-runner.ts). */
function ortCallNote(embedder: object): string {
  const stats = (embedder as { stats?: () => { ortCall?: string | null } }).stats?.();
  if (stats?.ortCall === 'binding') return '; onnxruntime called directly';
  if (stats?.ortCall === 'public') {
    return `; onnxruntime through its public API (${directRunUnavailableReason() ?? 'forced'})`;
  }
  return '';
}
