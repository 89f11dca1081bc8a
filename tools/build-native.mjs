#!/usr/bin/env node
// Builds the native scan kernel (native/ → native/build/Release/ringmem_kernel.node) with node-gyp.
//
// Run by `npm install` (the package's install script) and by `npm run build:native` (--strict).
// Without --strict a failed build must not fail the install: ringmem still works with the JS
// kernel, so we print exactly one warning line on stderr saying so and why, keep the full compiler
// output in native/build/build-native.log, and exit 0. With --strict the output is shown and a
// failure exits non-zero. stdout is left alone either way.
//
// node-gyp is found without the network: npm passes its own in npm_config_node_gyp; otherwise the
// copy bundled with npm next to the npm executable; otherwise `npx node-gyp`. Node's headers are
// taken from the running Node's prefix (e.g. /usr/include/node) when present, so node-gyp never
// tries to download them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const buildDir = path.join(nativeDir, 'build');
const logFile = path.join(buildDir, 'build-native.log');
const addonFile = path.join(buildDir, 'Release', 'ringmem_kernel.node');
// A compile of sixteen files takes ~20-45 s on two shared cores; never let a wedged toolchain hang
// an install.
const TIMEOUT_MS = 10 * 60 * 1000;

function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm))
    return { cmd: process.execPath, args: [fromNpm], via: fromNpm };
  const candidates = [];
  if (process.env.npm_execpath) {
    candidates.push(
      path.join(
        path.dirname(process.env.npm_execpath),
        '..',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    );
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const npm = path.join(dir, 'npm');
    if (!dir || !existsSync(npm)) continue;
    try {
      const real = realpathSync(npm); // e.g. /usr/lib/node_modules/npm/bin/npm-cli.js
      candidates.push(
        path.join(path.dirname(real), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      );
    } catch {
      // A dangling npm link is simply not a candidate; other candidates follow.
    }
    break;
  }
  candidates.push(
    path.join(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  for (const c of candidates) {
    if (existsSync(c)) return { cmd: process.execPath, args: [c], via: c };
  }
  return {
    cmd: process.platform === 'win32' ? 'npx.cmd' : 'npx',
    args: ['--yes', 'node-gyp'],
    via: 'npx node-gyp',
  };
}

/** --nodedir for node-gyp when npm did not give one and the running Node ships its headers. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))
    ? [`--nodedir=${prefix}`]
    : [];
}

function firstErrorLine(output) {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (
    lines.find((l) => /\berror\b/i.test(l) && !/^gyp (ERR|info)/.test(l)) ??
    lines.find((l) => /^gyp ERR! (stack )?Error/.test(l)) ??
    lines.at(-1) ??
    'no output'
  );
}

function checkAddon() {
  const require = createRequire(import.meta.url);
  const addon = require(addonFile);
  const isas = addon.availableIsas();
  if (!Array.isArray(isas) || isas.length === 0) throw new Error('the addon reports no usable ISA');
  return isas;
}

function main() {
  if (process.env.RINGMEM_SKIP_NATIVE === '1' && !strict) {
    process.stderr.write(
      'ringmem: RINGMEM_SKIP_NATIVE=1, native scan kernel not built; the JS kernel will be used.\n',
    );
    return 0;
  }
  const gyp = findNodeGyp();
  const args = [...gyp.args, 'rebuild', ...nodedirArgs()];
  const result = spawnSync(gyp.cmd, args, {
    cwd: nativeDir,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    // Strict mode shows node-gyp's output, on stderr: our stdout stays clean either way.
    stdio: strict ? ['ignore', 2, 2] : ['ignore', 'pipe', 'pipe'],
    // Windows only runs npx.cmd through a shell (Node refuses to spawn .cmd files directly).
    shell: gyp.cmd.endsWith('.cmd'),
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (!strict) {
    try {
      mkdirSync(buildDir, { recursive: true });
      writeFileSync(logFile, `$ ${gyp.cmd} ${args.join(' ')}\n(cwd ${nativeDir})\n\n${output}`);
    } catch {
      // Logging is best effort; the warning below still says what went wrong.
    }
  }

  let reason;
  if (result.error) reason = `${gyp.via} could not run: ${result.error.message}`;
  else if (result.status !== 0)
    reason = `node-gyp exited with ${result.status ?? result.signal}: ${strict ? 'see the output above' : firstErrorLine(output)}`;
  else {
    try {
      const isas = checkAddon();
      if (strict) process.stderr.write(`ringmem: native scan kernel built (${isas.join(', ')}).\n`);
      return 0;
    } catch (error) {
      reason = `the built addon does not load: ${error.message.split('\n')[0]}`;
    }
  }

  if (strict) {
    process.stderr.write(`ringmem: native scan kernel build failed: ${reason}\n`);
    return 1;
  }
  process.stderr.write(
    `ringmem: warning: native scan kernel not built (${reason}; full log: ${path.relative(root, logFile)}); the JS kernel will be used. Retry with \`npm run build:native\`.\n`,
  );
  return 0;
}

process.exitCode = main();
