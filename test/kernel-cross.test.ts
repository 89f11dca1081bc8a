import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Runs native/test/selftest.cc — every SIMD kernel against the scalar reference, in C++ without
 * Node — natively, and for arm64 under qemu when a cross compiler and qemu-aarch64 are installed
 * (Debian: `apt-get install g++-aarch64-linux-gnu qemu-user-static`). That is how the NEON kernel
 * gets tested on an x86 box; skipped with a note when the tools are missing. On x86 without
 * AVX-512 the AVX-512 kernel's logic runs with stand-ins for its intrinsics
 * (native/test/avx512_emulated.cc).
 */

const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'native');
const sources = [
  'test/selftest.cc',
  'topk.cc',
  'cpu_features.cc',
  'compact.cc',
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

/** The AVX-512 kernel's logic with portable stand-ins for its intrinsics (needs AVX2 to run). */
const emulatedSources = [
  ...sources.filter((f) => f !== 'scan_avx512.cc'),
  'test/avx512_emulated.cc',
];
const hasAvx2 = (() => {
  if (process.arch !== 'x64') return false;
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(' ');
    return flags?.includes('avx2') === true && flags.includes('fma');
  } catch {
    return false;
  }
})();
if (!hasAvx2) {
  console.warn(
    'kernel-cross: emulated AVX-512 selftest skipped — needs an x86-64 Linux CPU with AVX2',
  );
}

function buildAndRun(
  compiler: string,
  extra: string[],
  runner: string[],
  files: string[] = sources,
  name = path.basename(compiler),
): string {
  const exe = path.join(work, `selftest-${name}`);
  const build = spawnSync(compiler, ['-O2', '-std=c++17', '-I.', ...extra, ...files, '-o', exe], {
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
    expect(out).toMatch(/^scalar many: \d+ cases compared/m);
    expect(out).toMatch(/^ok \(\d+ SIMD kernels tested\)$/m);
  });

  it.skipIf(!cxx || !hasAvx2)(
    "agrees for the AVX-512 kernel's logic run on portable stand-ins of its intrinsics",
    () => {
      const out = buildAndRun(
        cxx!,
        ['-DRINGMEM_AVX512_EMULATED', '-mavx2', '-mfma', '-Wno-psabi'],
        [],
        emulatedSources,
        'avx512-emulated',
      );
      expect(out).toMatch(/^avx512f-emulated: \d+ cases compared/m);
      expect(out).toMatch(/^avx512f-emulated many: \d+ cases compared/m);
      expect(out).toMatch(/^ok \(\d+ SIMD kernels tested\)$/m);
    },
  );

  it.skipIf(onArm || !crossCxx || !qemu)(
    'agrees for the NEON kernel built for arm64 and run under qemu',
    () => {
      const out = buildAndRun(crossCxx!, ['-static'], [qemu!]);
      expect(out).toMatch(/^neon: \d+ cases compared/m);
      expect(out).toMatch(/^neon many: \d+ cases compared/m);
      expect(out).toMatch(/^ok \(1 SIMD kernels tested\)$/m);
    },
  );
});
