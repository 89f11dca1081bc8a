import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTestModel } from './test-model.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/**
 * Environment for a spawned CLI: the shipped built-in model when the checkout has it, else a tiny
 * generated BERT (plumbing only). Either way the real tokenizer and onnxruntime run.
 */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('RINGMEM_')) env[k] = v;
  }
  if (!existsSync(join(REPO_ROOT, 'models', 'builtin', 'manifest.json'))) {
    env.RINGMEM_MODEL_DIR = getTestModel({ tiny: true }).dir;
  }
  env.RINGMEM_LOG_LEVEL = 'warning';
  return { ...env, ...extra };
}

export interface HttpChild {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stdout: () => string;
  stop(): Promise<number | null>;
}

/** Starts `ringmem serve --http --port 0` and resolves with the URL it prints on stderr. */
export async function startHttpCli(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<HttpChild> {
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', ...args], {
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30_000);
    child.stderr!.on('data', (d) => {
      err += String(d);
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  return {
    child,
    url,
    stderr: () => err,
    stdout: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
