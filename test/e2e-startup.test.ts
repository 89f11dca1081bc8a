import { cpSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv, REPO_ROOT } from './helpers/cli.js';
import { getTestModel } from './helpers/test-model.js';

/**
 * The server answers `initialize` before it loads the model (tokenizer, onnxruntime), then loads
 * it in the background: these tests hold the two promises that come with that — the model does
 * get loaded without a tool call asking for it, and a model that cannot load is still reported
 * clearly, on the tool call and on stderr.
 */

const builtin = join(REPO_ROOT, 'models', 'builtin');

function modelDir(): string {
  return existsSync(join(builtin, 'manifest.json')) ? builtin : getTestModel({ tiny: true }).dir;
}

async function connect(args: string[]) {
  let stderr = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', ...args],
    env: cliEnv(),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const client = new Client({ name: 'e2e-startup', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

async function modelStatus(client: Client): Promise<string> {
  const res = (await client.callTool({ name: 'memory_stats', arguments: {} })) as CallToolResult;
  return (res.structuredContent as { model: { status: string } }).model.status;
}

describe('server start-up: the model loads after the handshake', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('loads the model after initialize without any tool call asking for it', async () => {
    const { client } = await connect([]);
    try {
      const deadline = Date.now() + 20_000;
      let status = await modelStatus(client);
      while (status === 'loading' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        status = await modelStatus(client);
      }
      expect(status).toBe('ready');
    } finally {
      await client.close();
    }
  });

  it('answers initialize with a model that cannot load, then says why on the tool call and on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmem-startup-'));
    dirs.push(dir);
    cpSync(modelDir(), dir, { recursive: true });
    // Same size, so the start-up size check passes and loading itself fails.
    const fd = openSync(join(dir, 'tokenizer.json'), 'r+');
    writeSync(fd, 'XXXX', 0);
    const { client, stderr } = await connect(['--model', dir]);
    try {
      expect(client.getServerVersion()?.name).toBe('ringmem');
      const res = (await client.callTool({
        name: 'remember',
        arguments: { text: 'needs the model' },
      })) as CallToolResult;
      expect(res.isError).toBe(true);
      const text = (res.content as { text: string }[])[0]!.text;
      expect(text).toMatch(/tokenizer file .*tokenizer\.json is not valid JSON/);
      expect(text).toMatch(/reinstall the model files/);
      expect(await modelStatus(client)).toBe('failed');
      const deadline = Date.now() + 5000;
      while (!/failed to load/.test(stderr()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(stderr()).toMatch(/model \S+ failed to load: tokenizer file .* is not valid JSON/);
    } finally {
      await client.close();
    }
  });
});
