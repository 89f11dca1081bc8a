import { ConfigError, type ServerConfig } from './config.js';
import { createOnnxEmbedder } from './embed/index.js';
import type { Embedder, EmbedKind, EmbedResult } from './embed/types.js';
import { type Clock, MemoryEngine } from './engine/index.js';
import { FleetMemory } from './fleet/fleet-memory.js';
import { FleetLink } from './fleet/link.js';
import { loadKernel } from './kernel/index.js';
import type { ScanKernel } from './kernel/types.js';
import type { LogFn } from './log.js';
import { Memory, type ModelStatus } from './memory.js';
import { defaultRegistry, type ModelRegistry } from './models/registry.js';
import { type ResolvedModel, resolveModel } from './models/resolve.js';
import { DurableMemoryEngine } from './persist/durable-engine.js';

export type { ModelStatus } from './memory.js';

export interface Runtime {
  /** The gate every front end goes through. */
  memory: Memory;
  /**
   * The embedder behind `memory`, for diagnostics that measure the model itself (doctor, bench,
   * the evaluation tools); front ends embed and store through `memory`.
   */
  embedder: Embedder;
  kernel: ScanKernel;
  model: ResolvedModel | undefined;
  /** The model registry the model was resolved with (read once: it parses the built-in manifest). */
  registry: ModelRegistry;
  modelStatus(): ModelStatus;
  close(): Promise<void>;
}

/**
 * An embedder for a model that could not be found: it knows the model's shape from the registry
 * (so the engine can be built and the MCP handshake answered), and every embed call fails with
 * the resolution error, which names what is missing and the command that fixes it.
 */
class UnavailableEmbedder implements Embedder {
  readonly ready: Promise<void>;
  constructor(
    readonly modelId: string,
    readonly dim: number,
    readonly maxTokens: number,
    private readonly error: Error,
  ) {
    this.ready = Promise.reject(error);
    this.ready.catch(() => {});
  }
  async embed(_texts: readonly string[], _kind: EmbedKind): Promise<Float32Array> {
    throw this.error;
  }
  async embedWithInfo(_texts: readonly string[], _kind: EmbedKind): Promise<EmbedResult> {
    throw this.error;
  }
  async close(): Promise<void> {}
}

function looksLikePath(model: string): boolean {
  return model.includes('/') || model.includes('\\') || model.startsWith('.');
}

/**
 * The configured model and its embedder. A registry model that is not installed still gets an
 * embedder (UnavailableEmbedder) so the server can start and say what to fetch.
 */
function modelEmbedder(
  config: ServerConfig,
  env: NodeJS.ProcessEnv,
  registry: ModelRegistry,
  deferLoad: number | undefined,
): { model: ResolvedModel | undefined; embedder: Embedder } {
  const request =
    config.model === 'auto'
      ? {}
      : looksLikePath(config.model)
        ? { path: config.model }
        : { model: config.model };
  try {
    const model = resolveModel(request, { env, registry });
    return {
      model,
      embedder: createOnnxEmbedder({ modelDir: model.dir, manifest: model.manifest, deferLoad }),
    };
  } catch (error) {
    const entry = 'model' in request ? registry.lookup(config.model) : undefined;
    // The failure is logged once, when `ready` rejects (createRuntime).
    if (!entry) throw error;
    return {
      model: undefined,
      embedder: new UnavailableEmbedder(
        entry.manifest.id,
        entry.manifest.dim,
        entry.manifest.maxTokens,
        error as Error,
      ),
    };
  }
}

/**
 * Wires kernel, model, embedder, engine and memory from a configuration. Model loading starts
 * in the background: callers get a runtime at once, and embed calls wait for the model.
 */
export function createRuntime(
  config: ServerConfig,
  log: LogFn,
  env = process.env,
  clock?: Clock,
  options: {
    /** Bring your own embedder (library callers); the model setting is then not resolved. */
    embedder?: Embedder;
    /** Servers: load the model after the handshake (`memory.loadModel()`), ≤ this many ms later. */
    deferModelLoadMs?: number;
  } = {},
): Runtime {
  const kernel = loadKernel({
    backend: config.kernel,
    env,
    warn: (line) => log('warning', line),
  });
  const registry = defaultRegistry();
  const { model, embedder } = options.embedder
    ? { model: undefined, embedder: options.embedder }
    : modelEmbedder(config, env, registry, options.deferModelLoadMs);
  let status: ModelStatus = { status: 'loading', error: null };
  embedder.ready.then(
    () => {
      status = { status: 'ready', error: null };
      log('debug', `model ${embedder.modelId} loaded`);
    },
    (error: Error) => {
      status = { status: 'failed', error: error.message };
      log('error', `model ${embedder.modelId} failed to load: ${error.message}`);
    },
  );
  if (config.redisUrl && config.persistDir) {
    throw new ConfigError(
      '--redis and --persist do not combine: in fleet mode the Redis streams are the log (turn on Redis AOF for durability); drop one of them',
    );
  }
  const engineConfig = {
    dim: embedder.dim,
    capacity: config.capacity,
    ttlMs: config.ttlMs,
    maxNamespaces: config.maxNamespaces,
    maxBytes: config.maxBytes,
    precision: config.precision.default,
    namespacePrecision: config.precision.namespaces,
    kernel,
    clock,
  };
  // With --persist the engine restores from and logs to disk (src/persist); otherwise RAM only.
  const engine = config.persistDir
    ? new DurableMemoryEngine(engineConfig, {
        dir: config.persistDir,
        fsync: config.fsync,
        compactIntervalMs: config.compactIntervalMs,
        model: embedder.modelId,
        log,
      })
    : new MemoryEngine(engineConfig);
  // With --redis the engine is changed only by the fleet's streams (src/fleet).
  const memory = config.redisUrl
    ? new FleetMemory(
        engine,
        embedder,
        new FleetLink(engine, {
          url: config.redisUrl,
          password: env.RINGMEM_REDIS_PASSWORD || undefined,
          prefix: config.redisPrefix,
          model: embedder.modelId,
          log,
        }),
      )
    : new Memory(engine, embedder);
  if (memory instanceof FleetMemory) memory.link.start();
  return {
    memory,
    embedder,
    kernel,
    model,
    registry,
    modelStatus: () => status,
    close: async () => {
      if (engine instanceof DurableMemoryEngine) engine.closeStore();
      await memory.close();
    },
  };
}
