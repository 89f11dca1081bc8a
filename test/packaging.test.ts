import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

/**
 * The packed tarball installs into an empty project with a compiler (native kernel) and without
 * one (JS kernel fallback), and `npx ringmem doctor` passes in both.
 *
 * The install reads the npm cache first and the registry for what the cache lacks
 * (`--prefer-offline`). It cannot be `--offline`: npm 11 resolves a dependency of a tarball with
 * the registry's *full* package document, while an ordinary `npm install` caches only the
 * abbreviated one, so a cache filled by the repository's own install is not enough on a machine
 * that never ran npm before. The registry is the one thing this test reaches beyond the machine,
 * and it checks first that it answers, so an unreachable registry fails at once with the reason
 * rather than as a time-out deep inside an install.
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
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name,
      version: '1.0.0',
      private: true,
      // As README tells users: allow ringmem's native build, and deny onnxruntime-node's install
      // script (it only downloads CUDA files; npm 11 honours a `false` entry).
      allowScripts: { ringmem: true, 'onnxruntime-node': false },
    }),
  );
  return dir;
}

/** onnxruntime-node's install script would have put its CUDA provider here. */
function cudaProvider(app: string): string {
  return join(
    app,
    'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so',
  );
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

/** npm's flags for the two installs: cache first, and no minute-long retries on a dead network. */
const INSTALL_FLAGS = [
  'install',
  '--prefer-offline',
  '--no-audit',
  '--no-fund',
  '--fetch-retries=1',
  '--fetch-timeout=60000',
];

/** Fails with the reason when the npm registry does not answer, before any install starts. */
function requireRegistry(): void {
  const ping = run(npmCli, ['ping', '--fetch-retries=0', '--fetch-timeout=20000'], REPO_ROOT);
  if (ping.code !== 0) {
    const registry = run(npmCli, ['config', 'get', 'registry'], REPO_ROOT).out.trim();
    throw new Error(
      `the packaging test installs the packed tarball's dependencies from the npm registry ` +
        `(${registry}), which did not answer \`npm ping\`. Run it where the registry is ` +
        `reachable, or set npm_config_registry to a mirror. npm said:\n${ping.out.trim()}`,
    );
  }
}

describe.skipIf(process.platform !== 'linux')('the npm package', () => {
  beforeAll(() => {
    requireRegistry();
    work = mkdtempSync(join(tmpdir(), 'ringmem-pack-'));
    execFileSync(npmCli, ['pack', '--pack-destination', work], { cwd: REPO_ROOT, stdio: 'ignore' });
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  }, 300_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs from the tarball with a compiler, builds the native kernel, and doctor passes', () => {
    const app = makeApp('with-compiler');
    const install = run(npmCli, [...INSTALL_FLAGS, tarball], app);
    expect(install.code, install.out).toBe(0);
    expect(install.out).not.toMatch(/Unknown (project|user) config/);
    expect(existsSync(cudaProvider(app)), 'onnxruntime-node downloaded CUDA files').toBe(false);
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
    const install = run(npmCli, [...INSTALL_FLAGS, tarball], app, env);
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
