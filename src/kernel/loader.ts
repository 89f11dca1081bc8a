import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { KernelError } from './errors.js';
import { JsKernel } from './js-kernel.js';
import { type NativeAddon, type NativeIsa, NativeKernel } from './native-kernel.js';
import type { KernelInfo, ScanKernel } from './types.js';

export type KernelPreference = 'auto' | 'native' | 'js';

export interface LoadKernelOptions {
  /**
   * Which backend to use. Defaults to RINGMEM_KERNEL from `env`, else 'auto' (native if it
   * loads, else JS with one warning on stderr). 'native' fails with a typed error instead of
   * falling back.
   */
  backend?: KernelPreference;
  /** Force one native ISA (tests, diagnosis). Implies the native backend. */
  isa?: NativeIsa;
  /** Environment to read RINGMEM_KERNEL from; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Where the fallback warning goes; defaults to one line on stderr (stdout is MCP's). */
  warn?: (line: string) => void;
  /** Addon file to try instead of the built one (tests use it to exercise failures). */
  addonPath?: string;
}

/** Package root: this file is src/kernel/loader.ts or dist/kernel/loader.js. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILT_ADDON = 'native/build/Release/ringmem_kernel.node';
const FIX = 'run `npm run build:native` (needs a C++17 compiler and Python for node-gyp)';

const require = createRequire(import.meta.url);

let defaultKernel: ScanKernel | undefined;
let builtAddon: AddonLoad | undefined;
let warnedFallback = false;

/**
 * Returns a scan kernel. With no options the result is cached for the process, so the fallback
 * warning is printed at most once and every caller shares one kernel.
 */
export function loadKernel(opts: LoadKernelOptions = {}): ScanKernel {
  const cacheable =
    opts.backend === undefined &&
    opts.isa === undefined &&
    opts.env === undefined &&
    opts.addonPath === undefined &&
    opts.warn === undefined;
  if (cacheable && defaultKernel !== undefined) return defaultKernel;
  const kernel = buildKernel(opts);
  if (cacheable) defaultKernel = kernel;
  return kernel;
}

/** Backend, ISA and fallback reasons of the kernel `loadKernel()` returns. */
export function kernelInfo(): KernelInfo {
  const info = loadKernel().info;
  return {
    ...info,
    availableIsas: [...info.availableIsas],
    fallbackReasons: [...info.fallbackReasons],
  };
}

function buildKernel(opts: LoadKernelOptions): ScanKernel {
  const env = opts.env ?? process.env;
  if (opts.backend !== undefined && !['auto', 'native', 'js'].includes(opts.backend)) {
    throw new KernelError(
      'ERR_KERNEL_CONFIG',
      `backend is '${String(opts.backend)}'; accepted values are 'native', 'js' and 'auto'`,
    );
  }
  const preference = opts.isa !== undefined ? 'native' : (opts.backend ?? preferenceFromEnv(env));
  if (preference === 'js') return new JsKernel();
  const requiredBy =
    opts.isa !== undefined
      ? `isa '${opts.isa}'`
      : opts.backend !== undefined
        ? `backend '${opts.backend}'`
        : 'RINGMEM_KERNEL=native';

  const loaded = loadAddon(opts.addonPath);
  if ('addon' in loaded) {
    const isa = opts.isa ?? (loaded.addon.availableIsas()[0] as NativeIsa | undefined);
    if (isa === undefined) {
      // Unreachable with our addon (scalar is always there), but never trust a foreign file.
      loaded.reasons.push('the addon reports no usable ISA');
    } else {
      return new NativeKernel(loaded.addon, isa);
    }
  }

  const reasons = loaded.reasons;
  if (preference === 'native') {
    throw new KernelError(
      'ERR_KERNEL_UNAVAILABLE',
      `the native scan kernel was required (${requiredBy}) ` +
        `but could not be loaded: ${reasons.join('; ')}. To fix: ${FIX}, or set RINGMEM_KERNEL=js.`,
      reasons,
    );
  }
  const warn = opts.warn ?? defaultWarn;
  if (opts.warn !== undefined || !warnedFallback) {
    if (opts.warn === undefined) warnedFallback = true;
    warn(
      `ringmem: using the JS scan kernel (slower) because the native one could not be loaded: ` +
        `${reasons.join('; ')}. To fix: ${FIX}.`,
    );
  }
  return new JsKernel(reasons);
}

function preferenceFromEnv(env: Record<string, string | undefined>): KernelPreference {
  const raw = env.RINGMEM_KERNEL;
  if (raw === undefined || raw === '') return 'auto';
  const value = raw.trim().toLowerCase();
  if (value === 'js' || value === 'native' || value === 'auto') return value;
  throw new KernelError(
    'ERR_KERNEL_CONFIG',
    `RINGMEM_KERNEL is '${raw}'; accepted values are 'native', 'js' and 'auto' (or unset)`,
  );
}

/**
 * The built addon if it loads, else undefined — silently: for helpers that merely work better
 * with it (alignedFloat32Array). The result is cached; kernel selection reports failures itself.
 */
export function optionalAddon(): NativeAddon | undefined {
  builtAddon ??= loadAddon(undefined);
  return 'addon' in builtAddon ? builtAddon.addon : undefined;
}

type AddonLoad = { addon: NativeAddon; reasons: string[] } | { reasons: string[] };

/** Loads the addon file (the built one unless a path is given), or says why it could not. */
function loadAddon(explicitPath: string | undefined): AddonLoad {
  const file = explicitPath ?? `${PACKAGE_ROOT}${BUILT_ADDON}`;
  if (!existsSync(file)) return { reasons: [`${file} does not exist (the addon was not built)`] };
  let mod: unknown;
  try {
    mod = require(file);
  } catch (error) {
    return { reasons: [`${file} failed to load: ${(error as Error).message.split('\n')[0]}`] };
  }
  const problem = addonShapeProblem(mod);
  if (problem !== undefined) {
    return { reasons: [`${file} is not the ringmem kernel addon: ${problem}`] };
  }
  return { addon: mod as NativeAddon, reasons: [] };
}

/** Every function NativeAddon declares: an addon missing one is stale (rebuild it). */
const ADDON_FUNCTIONS = [
  'availableIsas',
  'topK',
  'topKAsync',
  'topKAsyncShared',
  'topKMany',
  'topKManyShared',
  'topKCompact',
  'addressMod64',
  'adviseHugePages',
  'ingestRow',
  'ingestRows',
  'rowSumSquares',
  'decodeF16',
] as const satisfies readonly (keyof NativeAddon)[];

function addonShapeProblem(mod: unknown): string | undefined {
  if (typeof mod !== 'object' || mod === null) return 'it exports no object';
  const m = mod as Record<string, unknown>;
  for (const fn of ADDON_FUNCTIONS) {
    if (typeof m[fn] !== 'function') return `it has no ${fn}() function (an older build?)`;
  }
  if (!Array.isArray(m.isaNames)) return 'it has no isaNames list';
  return undefined;
}

function defaultWarn(line: string): void {
  process.stderr.write(`${line}\n`);
}
