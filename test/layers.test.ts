import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The floors of src/ (README, "How it is built"): a file may import from its own floor or a lower
// one, never from a floor above it. Each entry names a file or a folder of src/.
const FLOORS: readonly (readonly string[])[] = [
  // 0: ground — settings, defaults, errors, logging, time, the scan kernel.
  [
    'config.ts',
    'defaults.ts',
    'errors.ts',
    'log.ts',
    'pid-file.ts',
    'setting-values.ts',
    'time.ts',
    'version.ts',
    'kernel',
  ],
  // 1: the engine (vectors, rings, scores) and the model catalogue.
  ['engine', 'models', 'seeded-rows.ts'],
  // 2: embedding (text to vectors) and the engine's storage back end.
  ['embed', 'persist'],
  // 3: the gate, and the fleet back end that shares it.
  ['memory.ts', 'memory-types.ts', 'fleet'],
  // 4: presenters and wiring.
  ['present', 'runtime.ts', 'create-memory.ts'],
  // 5: front ends.
  ['mcp', 'cli', 'adapters', 'daemon', 'transports', 'index.ts'],
];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** The floor of a path relative to src/ (its first segment), or undefined when unplaced. */
function floorOf(path: string): number | undefined {
  const top = path.split('/')[0]!;
  const floor = FLOORS.findIndex((names) => names.includes(top));
  return floor < 0 ? undefined : floor;
}

/** Every relative import of a source text: static, re-exports and dynamic `import()`. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) found.push(m[1]!);
  return found;
}

/** The imports of `file` (relative to src/) that reach a higher floor, as "from -> to". */
function upwardImports(file: string, text: string): string[] {
  const from = floorOf(file);
  const out: string[] = [];
  for (const spec of importsOf(text)) {
    const target = relative(SRC, join(SRC, dirname(file), spec)).replace(/\.js$/, '.ts');
    const to = floorOf(target);
    if (from !== undefined && to !== undefined && to > from) out.push(`${file} -> ${target}`);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('the floors of src/', () => {
  const files = sourceFiles(SRC).map((f) => relative(SRC, f));

  it('places every file and folder of src/ on a floor', () => {
    expect(files.filter((f) => floorOf(f) === undefined)).toEqual([]);
  });

  it('has no import that runs up a floor', () => {
    const upward = files.flatMap((f) => upwardImports(f, readFileSync(join(SRC, f), 'utf8')));
    expect(upward).toEqual([]);
  });

  it('catches an import that runs up a floor, static, re-exported or dynamic', () => {
    expect(upwardImports('engine/engine.ts', "import { Memory } from '../memory.js';")).toEqual([
      'engine/engine.ts -> memory.ts',
    ]);
    expect(upwardImports('config.ts', "export { x } from './mcp/time.js';")).toEqual([
      'config.ts -> mcp/time.ts',
    ]);
    expect(upwardImports('memory.ts', "await import('./cli/demo.js')")).toEqual([
      'memory.ts -> cli/demo.ts',
    ]);
    expect(upwardImports('mcp/server.ts', "import { Memory } from '../memory.js';")).toEqual([]);
  });
});
