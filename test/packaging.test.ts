import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

/**
 * The packed tarball installs into an empty project, offline (from the npm cache the repo's own
 * install filled), with a compiler (native kernel) and without one (JS kernel fallback), and
 * `npx ringmem doctor` passes in both.
 */
const npmCli = join(dirname(process.execPath), 'npm');
let work: string;
let tarball: string;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

function makeApp(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  // What an offline user needs too: skip onnxruntime-node's CUDA download, allow ringmem's build.
  writeFileSync(
    join(dir, '.npmrc'),
    'onnxruntime-node-install=skip\nonnxruntime-node-install-cuda=skip\n',
  );
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name,
      version: '1.0.0',
      private: true,
      allowScripts: { ringmem: true, 'onnxruntime-node': false },
    }),
  );
  return dir;
}

/** A PATH with node and npm but no compiler, make or python: node-gyp cannot build anything. */
function pathWithoutCompiler(): string {
  const bin = join(work, 'bin-no-compiler');
  mkdirSync(bin);
  for (const tool of ['node', 'npm', 'npx'])
    symlinkSync(join(dirname(process.execPath), tool), join(bin, tool));
  for (const tool of ['sh', 'env', 'uname']) {
    for (const dir of ['/bin', '/usr/bin']) {
      try {
        symlinkSync(join(dir, tool), join(bin, tool));
        break;
      } catch {
        // try the next directory
      }
    }
  }
  return bin;
}

describe.skipIf(process.platform !== 'linux')('the npm package', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ringmem-pack-'));
    execFileSync(npmCli, ['pack', '--pack-destination', work], { cwd: REPO_ROOT, stdio: 'ignore' });
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  }, 300_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs from the tarball with a compiler, builds the native kernel, and doctor passes', () => {
    const app = makeApp('with-compiler');
    const install = run(npmCli, ['install', '--offline', '--no-audit', '--no-fund', tarball], app);
    expect(install.code, install.out).toBe(0);
    const doctor = run(
      join(dirname(process.execPath), 'npx'),
      ['--offline', 'ringmem', 'doctor'],
      app,
    );
    expect(doctor.code, doctor.out).toBe(0);
    expect(doctor.out).toMatch(/✓ kernel +native\//);
    expect(doctor.out).toMatch(/✓ self-test/);
  }, 300_000);

  it('installs on a machine with no compiler, falls back to the JS kernel, and doctor passes', () => {
    const app = makeApp('no-compiler');
    const env = { ...process.env, PATH: pathWithoutCompiler() };
    const install = run(
      npmCli,
      ['install', '--offline', '--no-audit', '--no-fund', tarball],
      app,
      env,
    );
    expect(install.code, install.out).toBe(0);
    const doctor = run(
      join(dirname(process.execPath), 'npx'),
      ['--offline', 'ringmem', 'doctor'],
      app,
      env,
    );
    expect(doctor.code, doctor.out).toBe(0);
    expect(doctor.out).toMatch(/✓ kernel +js\/js/);
    expect(doctor.out).toMatch(/fallback because/);
  }, 300_000);
});
