import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecQueue } from '../src/cli/exec-queue.js';
import { CLI, cliEnv } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ringmem-watch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], input: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const services = ['auth', 'billing', 'search', 'gateway'];
const routine = Array.from(
  { length: 160 },
  (_, i) =>
    `2026-11-28 10:${String(i % 60).padStart(2, '0')}:00 INFO ${services[i % 4]} request served in ${i % 17} ms status 200`,
);
const odd = 'kernel: Out of memory: Killed process 4242 (postgres) total-vm:8123456kB';

describe('ringmem watch anomalies', () => {
  it('runs --exec once per anomaly with the line on stdin, folds its repeats, and ends with drift and loops', async () => {
    const out = join(dir, 'hook.txt');
    const input = [...routine, odd, odd, odd, ...routine.slice(0, 10)].join('\n');
    const r = await run(
      [
        'watch',
        '--json',
        '--namespace',
        'w',
        '--exec',
        `cat >> '${out}'; echo "$RINGMEM_ID" >> '${out}.ids'`,
      ],
      `${input}\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const oddRows = rows.filter((x) => x.line === odd);
    expect(oddRows[0]).toMatchObject({ verdict: 'anomaly', alarm: true });
    expect(oddRows[1]).toMatchObject({
      verdict: 'repeat',
      repeat_of: { id: oddRows[0].id, count: 2 },
    });
    expect(oddRows[2]).toMatchObject({
      verdict: 'repeat',
      repeat_of: { id: oddRows[0].id, count: 3 },
    });
    // Every field of the shared rendering is there, raw components included.
    for (const key of [
      'score',
      'raw',
      'percentile',
      'kth_similarity',
      'dense_count',
      'z_score',
      'calibration_count',
    ]) {
      expect(oddRows[0]).toHaveProperty(key);
    }
    const alarms = rows.filter((x) => x.alarm);
    const hooked = readFileSync(out, 'utf8').trim().split('\n');
    expect(hooked).toEqual(alarms.map((x) => x.line));
    expect(readFileSync(`${out}.ids`, 'utf8').trim().split('\n')).toEqual(
      alarms.map((x) => String(x.id)),
    );
    expect(r.stderr).toMatch(/drift: newest 100 lines vs the \d+ before them: similarity/);
    expect(r.stderr).toMatch(/loops: \d+ of the newest 50 lines repeat another/);
    expect(r.stderr).toMatch(new RegExp(`--exec ran ${alarms.length} command`));
    expect(r.stderr).toMatch(/\d+ anomalies \(\+2 repeats\)/);
  }, 60_000);

  it('refuses a bad --exec-concurrency with exit code 2', async () => {
    const r = await run(['watch', '--exec', 'true', '--exec-concurrency', '0'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--exec-concurrency must be an integer from 1 to 64/);
  });
});

describe('ExecQueue', () => {
  it('never runs more than its concurrency at once, drops past its queue bound, and kills stragglers on drain', async () => {
    const warnings: string[] = [];
    const marks = join(dir, 'marks');
    const q = new ExecQueue(`echo start >> '${marks}'; sleep 5`, {
      concurrency: 2,
      maxQueued: 3,
      timeoutMs: 60_000,
      warn: (l) => warnings.push(l),
    });
    for (let i = 0; i < 10; i++) q.push(`line ${i}`, {});
    // 2 running, 3 waiting, 5 dropped — and push returned at once.
    expect(q.counts).toMatchObject({ started: 2, dropped: 5 });
    const t0 = Date.now();
    await q.drain(300);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(q.counts.dropped).toBe(8);
  });

  it('reports a command that fails', async () => {
    const warnings: string[] = [];
    const q = new ExecQueue('exit 3', { warn: (l) => warnings.push(l) });
    q.push('x', {});
    await q.drain(5000);
    expect(q.counts).toMatchObject({ started: 1, failed: 1 });
    expect(warnings[0]).toMatch(/exited with 3/);
  });
});
