import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressBar, formatBytes } from '../src/cli/progress.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('createProgressBar', () => {
  it('prints one line per 10 % and a final line when the stream is not a terminal', () => {
    const stream = new Capture();
    const bar = createProgressBar({ stream, label: 'file', total: 1000, tty: false });
    for (let done = 0; done <= 1000; done += 7) bar.update(done);
    bar.update(1000);
    bar.finish('verified');
    const lines = stream.text.trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('file: 0% (0 B of 1.0 kB)');
    expect(lines[9]).toMatch(/^file: 90% /);
    expect(lines[10]).toBe('file: verified (1.0 kB)');
    expect(stream.text).not.toContain('\r');
  });

  it('redraws one line in place on a terminal, at most every 100 ms', () => {
    const stream = new Capture();
    let clock = 0;
    const bar = createProgressBar({
      stream,
      label: 'f',
      total: 1_000_000,
      tty: true,
      now: () => clock,
    });
    for (let i = 1; i <= 1000; i++) {
      clock += 1; // 1 s in total → about 10 redraws
      bar.update(i * 1000);
    }
    bar.finish();
    const draws = stream.text.split('\r').length - 1;
    expect(draws).toBeGreaterThanOrEqual(10);
    expect(draws).toBeLessThanOrEqual(12);
    expect(stream.text.endsWith('\n')).toBe(true);
    expect(stream.text).toContain('[########################] 100% 1.0 MB/1.0 MB 1.0 MB/s');
  });

  it('clamps values outside 0..total and ignores updates after finish', () => {
    const stream = new Capture();
    const bar = createProgressBar({ stream, label: 'x', total: 100, tty: false });
    bar.update(-5);
    bar.update(500);
    bar.finish();
    bar.update(50);
    bar.finish();
    expect(stream.text).toBe('x: 0% (0 B of 100 B)\nx: done (100 B)\n');
  });
});

describe('formatBytes', () => {
  it('uses decimal units with one decimal above 1000 bytes', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(34_014_426)).toBe('34.0 MB');
    expect(formatBytes(133_093_490)).toBe('133.1 MB');
    expect(formatBytes(2_500_000_000)).toBe('2.5 GB');
  });
});
