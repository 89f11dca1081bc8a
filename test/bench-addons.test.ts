import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** tools/bench-addons.ts: bad input ends with a one-line reason and exit code 2, never a stack trace. */

function run(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'tools/bench-addons.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('bench-addons', () => {
  it('prints its usage and exits 2 when no addon is named', () => {
    const r = run();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: npx tsx tools\/bench-addons\.ts/);
  });

  it('says which addon it cannot use and why, without a stack trace', () => {
    const r = run('/nonexistent/ringmem_kernel.node');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /bench-addons: cannot use \/nonexistent\/ringmem_kernel\.node: .*does not exist/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a row count that is not a positive integer, naming the flag', () => {
    const r = run('--rows', '0', 'x.node');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--rows must be a positive integer, got 0/);
  });
});
