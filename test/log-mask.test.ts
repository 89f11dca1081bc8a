import { describe, expect, it } from 'vitest';
import { maskLogLine } from '../src/cli/log-mask.js';

describe('maskLogLine', () => {
  it('masks tokens that hold digits and keeps the words and punctuation around them', () => {
    expect(
      maskLogLine(
        '081109 203518 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010',
      ),
    ).toBe('<*> <*> <*> INFO dfs.DataNode$DataXceiver: Receiving block <*> src: <*> dest: <*>');
    expect(maskLogLine('worker (pid=42) exited, code 137.')).toBe('worker (<*>) exited, code <*>.');
  });

  it('makes lines of one template identical and leaves lines without numbers alone', () => {
    expect(maskLogLine('GET /api/orders/1234 200 12ms')).toBe(
      maskLogLine('GET /api/orders/98 200 7ms'),
    );
    expect(maskLogLine('connection refused by upstream')).toBe('connection refused by upstream');
  });

  it('keeps whitespace as it was', () => {
    expect(maskLogLine('a  1\tb')).toBe('a  <*>\tb');
  });
});
