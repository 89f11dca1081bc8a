import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import { CLI, cliEnv, startHttpCli } from './helpers/cli.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => ({
    write: (s: string) => {
      into.push(s);
      return true;
    },
  });
  return {
    io: { stdout: sink(out), stderr: sink(err), env: cliEnv({ RINGMEM_TOKEN: 'tok en' }) },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe('ringmem ui', () => {
  it("prints the link to a running server's inspector, with the token once", async () => {
    const server = await startHttpCli([], { RINGMEM_TOKEN: 'tok en' });
    try {
      const c = capture();
      const code = await runCli(['ui', '--no-open', '--url', server.url], c.io as never);
      expect(code, c.err()).toBe(0);
      const link = c.out().trim();
      expect(link).toBe(`${server.url.replace(/\/mcp$/, '')}/ui?token=tok%20en`);
      // The token in the link is traded for a cookie scoped to /ui.
      const redirect = await fetch(link, { redirect: 'manual' });
      expect(redirect.status).toBe(303);
      const cookie = (redirect.headers.get('set-cookie') ?? '').split(';')[0] as string;
      expect(redirect.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Path=\/ui/);
      const page = await fetch(link.replace(/\?.*$/, ''), { headers: { cookie } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('ringmem inspector');
      expect(html).toContain('<meta name="ringmem-token" content="tok en">');
    } finally {
      await server.stop();
    }
  });

  it('says so when --url names no server', async () => {
    const c = capture();
    const port = await freePort();
    const code = await runCli(
      ['ui', '--no-open', '--url', `http://127.0.0.1:${port}`],
      c.io as never,
    );
    expect(code).toBe(1);
    expect(c.err()).toMatch(/no ringmem server answers/);
  });

  it('starts a server when none runs, serves the page, and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'ui', '--no-open', '--port', String(port)], {
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    for (let i = 0; i < 300 && !out.includes('/ui'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(out.trim(), err).toBe(`http://127.0.0.1:${port}/ui`);
    const page = await fetch(out.trim());
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const script = await fetch(`http://127.0.0.1:${port}/ui/uplot.js`);
    expect(await script.text()).toContain('uPlot');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
