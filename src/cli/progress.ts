/**
 * A small progress bar for stderr. On a terminal it redraws one line in place (at most ~10 times a
 * second, so a fast local copy does not flood the terminal); on anything else (a log file, CI, a
 * pipe) carriage returns would be garbage, so it prints one line per 10 % instead.
 */

export interface ProgressOptions {
  stream: NodeJS.WritableStream;
  label: string;
  total: number;
  /** Defaults to `stream.isTTY`. */
  tty?: boolean;
  /** Injectable clock for the redraw throttle and the rate. */
  now?: () => number;
  barWidth?: number;
  /** How amounts print (default: bytes, e.g. "34.0 MB"); rates use it too. */
  format?: (n: number) => string;
}

export interface ProgressBar {
  update(done: number): void;
  /** Draws the final state and ends the line; `note` replaces the percentage (e.g. "verified"). */
  finish(note?: string): void;
}

const REDRAW_MS = 100;

/** Decimal units, as download sizes are usually quoted (34.0 MB). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function createProgressBar(options: ProgressOptions): ProgressBar {
  const { stream, label } = options;
  const total = Math.max(0, options.total);
  const tty = options.tty ?? (stream as { isTTY?: boolean }).isTTY === true;
  const now = options.now ?? Date.now;
  const width = options.barWidth ?? 24;
  const format = options.format ?? formatBytes;
  const started = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastDecile = -1;
  let done = 0;
  let finished = false;

  const fraction = () => (total === 0 ? 1 : Math.min(1, done / total));
  const rate = () => {
    const seconds = (now() - started) / 1000;
    return seconds > 0 ? `${format(Math.round(done / seconds))}/s` : '';
  };

  const drawTty = (note?: string) => {
    const filled = Math.round(fraction() * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const pct = note ?? `${Math.floor(fraction() * 100)}%`.padStart(4);
    const line = `${label} [${bar}] ${pct} ${format(done)}/${format(total)} ${rate()}`;
    // \x1b[K clears what a longer previous line left behind.
    stream.write(`\r${line}\x1b[K`);
  };

  return {
    update(value) {
      if (finished) return;
      done = Math.max(0, Math.min(value, total));
      if (tty) {
        const t = now();
        if (t - lastDraw >= REDRAW_MS) {
          lastDraw = t;
          drawTty();
        }
        return;
      }
      const decile = Math.floor(fraction() * 10);
      // 100 % is left to finish(), which says how the file ended.
      if (decile > lastDecile && decile < 10) {
        lastDecile = decile;
        stream.write(`${label}: ${decile * 10}% (${format(done)} of ${format(total)})\n`);
      }
    },
    finish(note) {
      if (finished) return;
      finished = true;
      if (tty) {
        drawTty(note ?? '100%');
        stream.write('\n');
      } else {
        stream.write(`${label}: ${note ?? 'done'} (${format(done)})\n`);
      }
    },
  };
}
