import { type GivenSetting, resolveConfig, type ServerConfig } from './config.js';
import type { Embedder } from './embed/types.js';
import type { Clock } from './engine/index.js';
import type { LogFn } from './log.js';
import type { Memory } from './memory.js';
import { createRuntime } from './runtime.js';

export interface CreateMemoryOptions {
  /** Model id (`builtin`, `bge-small`, …), a model directory, or `auto` (default). */
  model?: string;
  /** Entries per namespace (default 10000, src/defaults.ts). */
  capacity?: number;
  /** Max age of entries: ms, a duration such as "2h", or "none" (default 24h). */
  ttl?: number | string;
  maxNamespaces?: number;
  /** Byte cap for all namespaces: a number or a size such as "512MB" (default 1GB). */
  maxBytes?: number | string;
  kernel?: 'auto' | 'native' | 'js';
  /** Vector precision: "f32" (default), "f16", "int8", optionally with per-namespace items ("f16,logs=int8"). */
  precision?: string;
  /** Bring your own embedder (any object with the Embedder contract); the model options are then ignored. */
  embedder?: Embedder;
  /** Clock for the engine (tests, replays). */
  clock?: Clock;
  /** Wait until the model is loaded (default true), so a missing model fails here. */
  waitForModel?: boolean;
  /** Where warnings go (default: stderr). */
  log?: LogFn;
}

/** The options that are settings, and the setting each one is (config.ts checks them). */
const OPTION_SETTINGS = [
  ['model', 'model'],
  ['capacity', 'capacity'],
  ['ttl', 'ttlMs'],
  ['maxNamespaces', 'maxNamespaces'],
  ['maxBytes', 'maxBytes'],
  ['kernel', 'kernel'],
  ['precision', 'precision'],
] as const satisfies readonly (readonly [keyof CreateMemoryOptions, keyof ServerConfig])[];

/**
 * In-process memory: the same engine and embedder as the MCP server, for programs that link
 * ringmem as a library.
 *
 * ```ts
 * import { createMemory } from 'ringmem';
 * const memory = await createMemory({ ttl: '2h' });
 * await memory.remember(['the build broke on main'], { namespace: 'ci' });
 * const { hits } = await memory.recall('what failed?', { namespace: 'ci', k: 3 });
 * ```
 */
export async function createMemory(options: CreateMemoryOptions = {}): Promise<Memory> {
  // Each option is checked by its setting's own rule, typed values as they are; options not
  // given fall back to RINGMEM_* variables, then to the defaults, as for the server.
  const given: Partial<Record<keyof ServerConfig, GivenSetting>> = {};
  for (const [option, key] of OPTION_SETTINGS) {
    const value = options[option];
    if (value !== undefined) given[key] = { value, source: option };
  }
  const config = resolveConfig(given, process.env);
  // A library stays quiet by default: only warnings and errors reach stderr.
  const log: LogFn =
    options.log ??
    ((level, message) => {
      if (level === 'warning' || level === 'error') {
        process.stderr.write(`ringmem ${level}: ${message}\n`);
      }
    });
  const { memory } = createRuntime(config, log, process.env, options.clock, {
    embedder: options.embedder,
  });
  if (options.waitForModel ?? true) await memory.ready;
  return memory;
}
