/**
 * Splits a byte stream into newline-terminated lines (MCP's stdio framing), without copying
 * more than the partial line carried between chunks.
 */
export class LineSplitter {
  private carry: Buffer | undefined;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = 64 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      if (end > start) this.onLine(buf.toString('utf8', start, end));
      start = nl + 1;
    }
    if (start < buf.length) {
      buf = buf.subarray(start);
      if (buf.length > this.maxLineBytes) {
        throw new Error(`a message longer than ${this.maxLineBytes} bytes without a newline`);
      }
      this.carry = Buffer.from(buf);
    }
  }
}
