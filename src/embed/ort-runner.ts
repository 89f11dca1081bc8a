import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';

let ortModule: typeof Ort | undefined;

/**
 * onnxruntime-node's public API, imported on first use rather than at start-up: the import costs
 * 70–160 ms (measured on the shared dev VM under load), and the MCP handshake must not wait for
 * a model it does not use. The model loads in the background after the handshake.
 */
export async function loadOrt(): Promise<typeof Ort> {
  ortModule ??= await import('onnxruntime-node');
  return ortModule;
}

/**
 * How ringmem calls onnxruntime: a loaded model, its input/output names, and `run`.
 *
 * Why two implementations: onnxruntime-node's public `InferenceSession.run` defers to
 * `setImmediate` and then calls its native binding's `run` — synchronously, on this same thread.
 * The deferral frees nothing (the model still runs on the main thread) but costs a trip round the
 * event loop plus the public wrapper's checks: on the built-in model, `npx tsx tools/ort-floor.ts`
 * measures p50 38 µs calling the binding directly vs 51 µs through the public API (2-core EPYC
 * VM). So ringmem loads the model through the binding when the installed onnxruntime-node has the
 * shape it was written against (checked up front, never assumed; package.json also keeps
 * onnxruntime-node to 1.30.x patch releases), and otherwise uses the public API with the reason
 * kept for `ringmem doctor`. Both take the same session options and return the
 * same tensors; test/embed-embedder.test.ts holds them to identical vectors.
 */

export interface RunnerTensor {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

export interface OrtRunner {
  /** 'binding' = onnxruntime-node's native session called directly; 'public' = its JS API. */
  readonly path: 'binding' | 'public';
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Ort.Tensor>, output: string): Promise<RunnerTensor> | RunnerTensor;
  release(): Promise<void>;
}

interface BindingSession {
  loadModel(path: string, options: object): void;
  readonly inputMetadata: ReadonlyArray<{ name: string }>;
  readonly outputMetadata: ReadonlyArray<{ name: string }>;
  run(
    feeds: Record<string, Ort.Tensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, RunnerTensor>;
  dispose(): void;
}

interface BindingModule {
  binding: { InferenceSession: new () => BindingSession };
  initOrt: () => void;
}

let bindingModule: BindingModule | undefined;
/** Why the direct path is not used, or null when it is available. */
let bindingUnavailable: string | null | undefined;

/** Loads onnxruntime-node's binding module once and checks it has what ringmem calls. */
function loadBinding(): BindingModule | undefined {
  if (bindingUnavailable !== undefined) return bindingModule;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('onnxruntime-node/dist/binding.js') as Partial<BindingModule>;
    const Session = mod.binding?.InferenceSession;
    const proto = Session?.prototype as Partial<BindingSession> | undefined;
    if (
      typeof mod.initOrt !== 'function' ||
      typeof Session !== 'function' ||
      typeof proto?.loadModel !== 'function' ||
      typeof proto.run !== 'function' ||
      typeof proto.dispose !== 'function'
    ) {
      bindingUnavailable =
        'onnxruntime-node/dist/binding.js lacks InferenceSession.loadModel/run/dispose';
      return undefined;
    }
    bindingModule = mod as BindingModule;
    bindingUnavailable = null;
    return bindingModule;
  } catch (error) {
    bindingUnavailable = `onnxruntime-node/dist/binding.js could not be loaded: ${(error as Error).message}`;
    return undefined;
  }
}

/** Why runners use the public API (null when they call the binding directly). */
export function directRunUnavailableReason(): string | null {
  loadBinding();
  if (process.env.RINGMEM_ORT_PATH === 'public') return 'RINGMEM_ORT_PATH=public';
  return bindingUnavailable ?? null;
}

/**
 * Loads a model. `path` forces one implementation (tests compare them); by default the direct
 * binding when available. RINGMEM_ORT_PATH=public forces the public API for a whole process.
 */
export async function createRunner(
  modelPath: string,
  options: Ort.InferenceSession.SessionOptions,
  path?: 'binding' | 'public',
): Promise<OrtRunner> {
  const want = path ?? (process.env.RINGMEM_ORT_PATH === 'public' ? 'public' : 'binding');
  const mod = want === 'binding' ? loadBinding() : undefined;
  if (mod !== undefined) return bindingRunner(mod, modelPath, options);
  if (path === 'binding') {
    throw new Error(`the direct onnxruntime binding is unavailable: ${bindingUnavailable}`);
  }
  return publicRunner(await (await loadOrt()).InferenceSession.create(modelPath, options));
}

function bindingRunner(
  mod: BindingModule,
  modelPath: string,
  options: Ort.InferenceSession.SessionOptions,
): OrtRunner {
  // initOrt registers the Tensor class the binding builds outputs with (idempotent).
  mod.initOrt();
  const session = new mod.binding.InferenceSession();
  session.loadModel(modelPath, options);
  const fetchesByName = new Map<string, Record<string, null>>();
  const runOptions = {};
  let released = false;
  return {
    path: 'binding',
    inputNames: session.inputMetadata.map((m) => m.name),
    outputNames: session.outputMetadata.map((m) => m.name),
    run(feeds, output) {
      let fetches = fetchesByName.get(output);
      if (fetches === undefined) {
        fetches = { [output]: null };
        fetchesByName.set(output, fetches);
      }
      const results = session.run(feeds, fetches, runOptions) as
        | Record<string, RunnerTensor>
        | PromiseLike<Record<string, RunnerTensor>>;
      // 1.30's binding answers synchronously; should a later one answer with a promise, wait.
      if (typeof (results as PromiseLike<unknown>).then === 'function') {
        return Promise.resolve(results).then((r) => pick(r, output));
      }
      return pick(results as Record<string, RunnerTensor>, output);
    },
    async release() {
      if (released) return;
      released = true;
      session.dispose();
    },
  };
}

/** The named output, checked to be a tensor, so a changed binding fails loudly, not with NaNs. */
function pick(results: Record<string, RunnerTensor>, output: string): RunnerTensor {
  const tensor = results?.[output];
  if (tensor === undefined || tensor === null) {
    throw new Error(`onnxruntime returned no output named ${output}`);
  }
  if (!ArrayBuffer.isView(tensor.data) || !Array.isArray(tensor.dims)) {
    throw new Error(
      `onnxruntime's binding returned output ${output} in an unexpected form: ` +
        'set RINGMEM_ORT_PATH=public and report the onnxruntime-node version',
    );
  }
  return tensor;
}

function publicRunner(session: Ort.InferenceSession): OrtRunner {
  return {
    path: 'public',
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, output) {
      const result = (await session.run(feeds, [output]))[output];
      if (result === undefined) throw new Error(`onnxruntime returned no output named ${output}`);
      return result;
    },
    release: () => session.release(),
  };
}
