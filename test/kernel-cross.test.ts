import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Runs native/test/selftest.cc — every SIMD kernel against the scalar reference, in C++ without
 * Node — natively, and for arm64 under qemu when a cross compiler and qemu-aarch64 are installed
 * (Debian: `apt-get install g++-aarch64-linux-gnu qemu-user-static`). That is how the NEON kernel
 * gets tested on an x86 box; skipped with a note when the tools are missing.
 */

const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'native');
const sources = [
  'test/selftest.cc',
  'topk.cc',
  'cpu_features.cc',
  'scan_scalar.cc',
  'scan_avx2.cc',
  'scan_avx512.cc',
  'scan_neon.cc',
];
const work = mkdtempSync(path.join(tmpdir(), 'ringmem-selftest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function has(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

const cxx = ['c++', 'g++', 'clang++'].find(has);
const crossCxx = has('aarch64-linux-gnu-g++') ? 'aarch64-linux-gnu-g++' : undefined;
const qemu = ['qemu-aarch64-static', 'qemu-aarch64'].find(has);
const onArm = process.arch === 'arm64';
if (!cxx) console.warn('kernel-cross: no C++ compiler found; the native selftest is skipped');
if (!onArm && (!crossCxx || !qemu)) {
  console.warn(
    'kernel-cross: NEON selftest skipped — needs aarch64-linux-gnu-g++ and qemu-aarch64 ' +
      '(apt-get install g++-aarch64-linux-gnu qemu-user-static)',
  );
}

function buildAndRun(compiler: string, extra: string[], runner: string[]): string {
  const exe = path.join(work, `selftest-${path.basename(compiler)}`);
  const build = spawnSync(compiler, ['-O2', '-std=c++17', '-I.', ...extra, ...sources, '-o', exe], {
    cwd: nativeDir,
    encoding: 'utf8',
    timeout: 180_000,
  });
  expect(build.status, build.stderr).toBe(0);
  const [cmd, ...args] = [...runner, exe];
  const res = spawnSync(cmd!, args, { encoding: 'utf8', timeout: 120_000 });
  expect(res.status, res.stdout + res.stderr).toBe(0);
  return res.stdout;
}

describe('native selftest (C++ kernels vs the scalar reference, without Node)', () => {
  it.skipIf(!cxx)('agrees for every SIMD kernel this CPU runs', () => {
    const out = buildAndRun(cxx!, [], []);
    expect(out).toMatch(/^ok \(\d+ SIMD kernels tested\)$/m);
  });

  it.skipIf(onArm || !crossCxx || !qemu)(
    'agrees for the NEON kernel built for arm64 and run under qemu',
    () => {
      const out = buildAndRun(crossCxx!, ['-static'], [qemu!]);
      expect(out).toMatch(/^neon: \d+ cases compared/m);
      expect(out).toMatch(/^ok \(1 SIMD kernels tested\)$/m);
    },
  );
});
