import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { CLI, cliEnv, REPO_ROOT } from './helpers/cli.js';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

const LOG = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'logs', 'service.log'), 'utf8');
const LOG_LINES = LOG.split('\n').filter((l) => l.trim() !== '');

describe('ringmem CLI', () => {
  it('prints help on stdout with exit code 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['serve', 'demo', 'watch', 'models', 'doctor', 'config'])
      expect(r.stdout).toContain(cmd);
    expect(r.stderr).toBe('');
  });

  it('has --help for every command', async () => {
    for (const cmd of [
      'serve',
      'demo',
      'watch',
      'models',
      'doctor',
      'config',
      'remember',
      'recall',
    ]) {
      const r = await run([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout.length, cmd).toBeGreaterThan(100);
    }
  });

  it('rejects an unknown command with exit code 2 and help on stderr', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('rejects a bad setting with exit code 2, naming the setting and what it accepts', async () => {
    const r = await run(['serve', '--capacity', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--capacity="lots" is invalid: expected an integer from 1 to 10000000/,
    );
    const env = await run(['serve'], { env: { RINGMEM_TTL: 'soon' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/RINGMEM_TTL="soon" is invalid: expected a duration/);
    const flag = await run(['serve', '--no-such-flag']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/no-such-flag/);
  });

  it('doctor passes its self-test on this installation', async () => {
    const r = await run(['doctor']);
    expect(r.stdout).toMatch(/✓ self-test/);
    expect(r.code).toBe(0);
  });

  it('demo runs offline and shows all four tools at work', async () => {
    const r = await run(['demo']);
    expect(r.code).toBe(0);
    for (const section of [
      '1. remember',
      '2. recall',
      '3. anomaly_score',
      '4. forget_older_than',
    ]) {
      expect(r.stdout).toContain(section);
    }
    expect(r.stdout).toMatch(/forgot \d+ of 10 notes/);
  });

  it('prints config blocks that are valid JSON and name a command that serves MCP', async () => {
    for (const client of ['claude-desktop', 'vscode', 'cursor']) {
      const r = await run(['config', client]);
      expect(r.code, client).toBe(0);
      expect(() => JSON.parse(r.stdout), client).not.toThrow();
    }
    const cc = await run(['config', 'claude-code', '--json']);
    expect(JSON.parse(cc.stdout).mcpServers.ringmem.type).toBe('stdio');
    const http = await run(['config', 'vscode', '--http', 'http://127.0.0.1:8787/mcp']);
    expect(JSON.parse(http.stdout).servers.ringmem).toEqual({
      type: 'http',
      url: 'http://127.0.0.1:8787/mcp',
    });

    const desktop = JSON.parse((await run(['config', 'claude-desktop'])).stdout);
    const entry = desktop.mcpServers.ringmem as { command: string; args: string[] };
    const transport = new StdioClientTransport({
      command: entry.command,
      args: entry.args,
      env: cliEnv(),
      stderr: 'ignore',
    });
    const client = new Client({ name: 'config-check', version: '1' });
    await client.connect(transport);
    expect((await client.listTools()).tools.length).toBe(6);
    await client.close();
  });
});

describe('ringmem bench', () => {
  it('measures scan, insert and embedding on this installation and prints JSON with --json', async () => {
    const r = await run(['bench', '--queries', '10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.scan.map((s: { rows: number }) => s.rows)).toEqual(
      expect.arrayContaining([5000, 20000, 100000]),
    );
    expect(out.scan.every((s: { timing: { p50: number } }) => s.timing.p50 > 0)).toBe(true);
    expect(out.insert.insertsPerSec).toBeGreaterThan(0);
    expect(out.insert.bytesPerRecord).toBeLessThanOrEqual(4 * 384 + 64);
    expect(out.embed.textsPerSec).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/ringmem bench/);
  }, 120_000);
});

describe('ringmem watch', () => {
  it('prints one JSON verdict per non-empty line of a piped log, in order, and a summary on stderr', async () => {
    const r = await run(['watch', '--json', '--namespace', 'svc'], { input: LOG });
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.line)).toEqual(LOG_LINES);
    expect(rows.every((x) => typeof x.score === 'number' && Number.isFinite(x.score))).toBe(true);
    expect(rows[0].verdict).toBe('warming_up');
    expect(new Set(rows.map((x) => x.id)).size).toBe(rows.length);
    expect(r.stderr).toMatch(
      new RegExp(`${LOG_LINES.length} lines, \\d+ anomalies, 1 blank skipped`),
    );
  });

  it('reports a line it cannot embed on stderr, keeps its neighbours, and exits with 1', async () => {
    const r = await run(['watch', '--json'], {
      input: 'first normal line\n\u0001\u0002\u0003\nsecond normal line\n',
    });
    expect(r.code).toBe(1);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.line)).toEqual(['first normal line', 'second normal line']);
    expect(r.stderr).toMatch(/line not remembered: .*must contain at least one letter/);
    expect(r.stderr).toMatch(/2 lines, \d+ anomalies, 1 failed/);
  });

  it('prints a human line per log line when not asked for JSON', async () => {
    const r = await run(['watch'], { input: LOG });
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(LOG_LINES.length);
    expect(out[0]).toMatch(/^warm .*│ /);
  });

  it('stops quietly when the reader closes the pipe', async () => {
    const child = spawn(process.execPath, [CLI, 'watch', '--json'], { env: cliEnv() });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.stdout.once('data', () => child.stdout.destroy());
    child.stdin.write(LOG.repeat(20));
    child.stdin.end();
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/Error|at .*\.js/);
  });

  it('exits with 130 and a summary on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'watch', '--json'], { env: cliEnv() });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stdin.write(`${LOG_LINES.slice(0, 5).join('\n')}\n`);
    while (stdout.split('\n').length < 6) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(130);
    expect(stderr).toMatch(/5 lines/);
  });
});

describe('ringmem remember and recall against a running HTTP server', () => {
  it('stores texts given as arguments and on stdin, then finds them, with errors from the server on stderr', async () => {
    const { startHttpCli } = await import('./helpers/cli.js');
    const server = await startHttpCli();
    try {
      const a = await run([
        'remember',
        '--url',
        server.url,
        '--namespace',
        'cli',
        'the deploy key rotates on Tuesdays',
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout).toMatch(/stored 1 in "cli"/);
      const b = await run(['remember', '--url', server.url, '--namespace', 'cli', '--json'], {
        input: 'first piped line\nsecond piped line\n',
      });
      expect(JSON.parse(b.stdout).stored).toBe(2);
      const r = await run([
        'recall',
        '--url',
        server.url,
        '--namespace',
        'cli',
        '-k',
        '1',
        '--json',
        'the deploy key rotates on Tuesdays',
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).hits[0].text).toBe('the deploy key rotates on Tuesdays');
      const bad = await run(['recall', '--url', server.url, '-k', '0', 'x']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/k must be an integer from 1 to 100/);
    } finally {
      await server.stop();
    }
  });

  it('says how to start a server when none is listening', async () => {
    const r = await run(['recall', '--url', 'http://127.0.0.1:9/mcp', 'anything']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach a ringmem server.*ringmem serve --http/s);
  });
});
