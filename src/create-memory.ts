import { loadConfig, type ServerConfig } from './config.js';
import type { Embedder } from './embed/types.js';
import type { Clock } from './engine/index.js';
import { MemoryEngine } from './engine/index.js';
import { loadKernel } from './kernel/index.js';
import type { LogFn } from './log.js';
import { Memory } from './memory.js';
import { createRuntime } from './runtime.js';

export interface CreateMemoryOptions {
  /** Model id (`builtin`, `bge-small`, …), a model directory, or `auto` (default). */
  model?: string;
  /** Entries per namespace (default 10000). */
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
  const flags: Record<string, string | undefined> = {
    '--model': options.model,
    '--capacity': options.capacity?.toString(),
    '--ttl':
      typeof options.ttl === 'number'
        ? Number.isFinite(options.ttl)
          ? `${options.ttl}ms`
          : 'none'
        : options.ttl,
    '--max-namespaces': options.maxNamespaces?.toString(),
    '--max-bytes': options.maxBytes?.toString(),
    '--kernel': options.kernel,
    '--precision': options.precision,
  };
  // Options not given fall back to RINGMEM_* variables, then to the defaults, as for the server.
  const config: ServerConfig = loadConfig(flags, process.env);
  // A library stays quiet by default: only warnings and errors reach stderr.
  const log: LogFn =
    options.log ??
    ((level, message) => {
      if (level === 'warning' || level === 'error') {
        process.stderr.write(`ringmem ${level}: ${message}\n`);
      }
    });
  let memory: Memory;
  if (options.embedder) {
    const engine = new MemoryEngine({
      dim: options.embedder.dim,
      capacity: config.capacity,
      ttlMs: config.ttlMs,
      maxNamespaces: config.maxNamespaces,
      maxBytes: config.maxBytes,
      precision: config.precision.default,
      namespacePrecision: config.precision.namespaces,
      clock: options.clock,
      kernel: loadKernel({ backend: config.kernel, warn: (l) => log('warning', l) }),
    });
    memory = new Memory(engine, options.embedder);
  } else {
    memory = createRuntime(config, log, process.env, options.clock).memory;
  }
  if (options.waitForModel ?? true) await memory.embedder.ready;
  return memory;
}
