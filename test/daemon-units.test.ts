import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFileArgs } from '../src/cli/daemon-command.js';
import { loadConfig } from '../src/config.js';
import { LineSplitter } from '../src/daemon/lines.js';
import { settingDifferences, sharedSettings } from '../src/daemon/protocol.js';

const dir = mkdtempSync(join(tmpdir(), 'ringmem-daemon-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LineSplitter', () => {
  it('yields whole lines across chunk boundaries, drops CR before LF and skips empty lines', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push(Buffer.from('{"a":1}\r\n{"b":'));
    s.push(Buffer.from('2}\n\n{"c":"é'));
    s.push(Buffer.from('"}\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":"é"}']);
  });

  it('refuses an endless line instead of growing without bound', () => {
    const s = new LineSplitter(() => {}, 16);
    expect(() => s.push(Buffer.from('x'.repeat(40)))).toThrow(/longer than 16 bytes/);
  });
});

describe('daemon settings', () => {
  it('reads daemon.json as flags, leaving settings given by RINGMEM_* variables to them', () => {
    const file = join(dir, 'daemon.json');
    writeFileSync(file, JSON.stringify({ ttl: '2h', capacity: 500 }));
    expect(configFileArgs(file, {})).toEqual(['--ttl', '2h', '--capacity', '500']);
    expect(configFileArgs(file, { RINGMEM_TTL: '1h' })).toEqual(['--capacity', '500']);
    expect(configFileArgs(join(dir, 'missing.json'), {})).toEqual([]);
  });

  it('names the file and the accepted settings when daemon.json is wrong', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ tll: '2h' }));
    expect(() => configFileArgs(file, {})).toThrow(
      /bad\.json: unknown setting "tll"; expected one of .*ttl/,
    );
    writeFileSync(file, '{ttl:');
    expect(() => configFileArgs(file, {})).toThrow(/bad\.json is not valid JSON/);
  });

  it('reports only the settings a front set explicitly and that differ', () => {
    const daemon = sharedSettings(loadConfig({ '--ttl': '2h' }, {}));
    const front = sharedSettings(loadConfig({ '--ttl': '1h', '--capacity': '10000' }, {}));
    expect(settingDifferences(front, new Set(['ttlMs', 'capacity']), daemon)).toEqual([
      'ttlMs: this front asked for 3600000, the daemon uses 7200000',
    ]);
    expect(settingDifferences(front, new Set(['capacity']), daemon)).toEqual([]);
    expect(sharedSettings(loadConfig({ '--ttl': 'none' }, {})).ttlMs).toBe('none');
  });
});
