import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KernelError, kernelInfo, loadKernel } from '../src/kernel/index.js';
import { nativeUnavailable } from './helpers/native-required.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const missingAddon = path.join(tmpdir(), 'ringmem-no-such-addon', 'ringmem_kernel.node');

function nativeBuilt(): boolean {
  try {
    loadKernel({ backend: 'native' });
    return true;
  } catch (error) {
    nativeUnavailable('kernel-loader', 'the native-only cases', error);
    return false;
  }
}
const built = nativeBuilt();

describe('loadKernel', () => {
  it('selects the JS kernel when RINGMEM_KERNEL=js', () => {
    const kernel = loadKernel({ env: { RINGMEM_KERNEL: 'js' } });
    expect(kernel.info).toEqual({
      backend: 'js',
      isa: 'js',
      availableIsas: [],
      fallbackReasons: [],
    });
  });

  it.skipIf(!built)(
    'selects the native kernel with its best ISA when RINGMEM_KERNEL=native',
    () => {
      const kernel = loadKernel({ env: { RINGMEM_KERNEL: 'native' } });
      expect(kernel.info.backend).toBe('native');
      expect(kernel.info.isa).toBe(kernel.info.availableIsas[0]);
      expect(kernel.info.availableIsas).toContain('scalar');
    },
  );

  it('throws a typed error naming every reason and the fix when native is required but missing', () => {
    let thrown: unknown;
    try {
      loadKernel({ env: { RINGMEM_KERNEL: 'native' }, addonPath: missingAddon });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KernelError);
    const err = thrown as KernelError;
    expect(err.code).toBe('ERR_KERNEL_UNAVAILABLE');
    expect(err.reasons).toEqual([`${missingAddon} does not exist (the addon was not built)`]);
    expect(err.message).toContain(missingAddon);
    expect(err.message).toContain('npm run build:native');
  });

  it('keeps the load error of a file that is not a loadable addon', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ringmem-kernel-'));
    const bogus = path.join(dir, 'ringmem_kernel.node');
    writeFileSync(bogus, 'not an ELF file');
    const warnings: string[] = [];
    const kernel = loadKernel({ addonPath: bogus, warn: (l) => warnings.push(l) });
    expect(kernel.info.backend).toBe('js');
    expect(kernel.info.fallbackReasons).toHaveLength(1);
    expect(kernel.info.fallbackReasons[0]).toMatch(
      /failed to load: .*(invalid ELF header|too short)/,
    );
  });

  it('falls back to JS with exactly one warning line when auto and the addon is missing', () => {
    const warnings: string[] = [];
    const kernel = loadKernel({ env: {}, addonPath: missingAddon, warn: (l) => warnings.push(l) });
    expect(kernel.info.backend).toBe('js');
    expect(kernel.info.fallbackReasons).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('\n');
    expect(warnings[0]).toMatch(/using the JS scan kernel.*does not exist.*npm run build:native/);
  });

  it('refuses an unknown RINGMEM_KERNEL value and lists the accepted ones', () => {
    expect(() => loadKernel({ env: { RINGMEM_KERNEL: 'gpu' } })).toThrow(
      expect.objectContaining({
        code: 'ERR_KERNEL_CONFIG',
        message: expect.stringContaining("'native', 'js' and 'auto'"),
      }),
    );
  });

  it('names the option that required native, and refuses an unknown backend option', () => {
    expect(() => loadKernel({ backend: 'native', addonPath: missingAddon })).toThrow(
      expect.objectContaining({
        code: 'ERR_KERNEL_UNAVAILABLE',
        message: expect.stringContaining("required (backend 'native')"),
      }),
    );
    expect(() => loadKernel({ backend: 'gpu' as 'js' })).toThrow(
      expect.objectContaining({ code: 'ERR_KERNEL_CONFIG' }),
    );
  });

  it.skipIf(!built)('throws a typed error when a forced ISA is missing on this CPU', () => {
    const available = loadKernel({ backend: 'native' }).info.availableIsas;
    const missing = (['avx512f', 'avx2-fma', 'neon'] as const).find((i) => !available.includes(i));
    if (missing === undefined) return; // this CPU runs them all
    expect(() => loadKernel({ isa: missing })).toThrow(
      expect.objectContaining({
        code: 'ERR_KERNEL_ISA_UNAVAILABLE',
        message: expect.stringContaining(`available: ${available.join(', ')}`),
      }),
    );
  });

  it('reports the backend and ISA in use through kernelInfo()', () => {
    const info = kernelInfo();
    expect(info).toEqual(loadKernel().info);
    expect(loadKernel()).toBe(loadKernel()); // one shared default kernel
    if (built && process.env.RINGMEM_KERNEL !== 'js') expect(info.backend).toBe('native');
  });

  it('prints the fallback warning on stderr only, never on stdout (stdout belongs to MCP)', () => {
    const script = [
      `import { loadKernel } from ${JSON.stringify(path.join(root, 'src/kernel/index.ts'))};`,
      `const a = loadKernel({ addonPath: ${JSON.stringify(missingAddon)} });`,
      `loadKernel({ addonPath: ${JSON.stringify(missingAddon)} });`,
      `if (a.info.backend !== 'js') process.exit(3);`,
    ].join('\n');
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, RINGMEM_KERNEL: '' },
        timeout: 60_000,
      },
    );
    expect(res.status).toBe(0);
    expect(res.stdout).toBe('');
    const lines = res.stderr.split('\n').filter((l) => l.includes('ringmem'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('using the JS scan kernel');
  });
});
