/**
 * Coalesces rows from concurrent embed calls into model batches.
 *
 * - A row waits at most `maxWaitMs` for company; a full batch (`maxBatch` rows) goes at once.
 * - At most `concurrency` batches run at the same time; rows queue behind them (bounded wait per
 *   batch, and no thundering herd of sessions on two cores).
 * - A batch is padded to its longest row, so the rows taken are sorted by length and cut where the
 *   next row is less than half as long as the longest (a 10-token row padded to 256 costs as much
 *   as a 256-token row), and the padded size is capped at `maxBatchTokens`. Rows left out go back
 *   to the front of the queue and run next.
 */

export interface BatchRow {
  ids: Int32Array;
  /** Where the pooled vector goes: row `outRow` of `out`. */
  out: Float32Array;
  outRow: number;
  group: RowGroup;
}

/** The rows of one embed call: resolves when all are written, rejects on the first failure. */
export class RowGroup {
  private remaining: number;
  private settled = false;
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (error: unknown) => void;

  constructor(rows: number) {
    this.remaining = rows;
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (rows === 0) this.finish();
  }

  rowDone(): void {
    this.remaining--;
    if (this.remaining === 0) this.finish();
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve();
  }
}

export interface BatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
  concurrency: number;
  maxBatchTokens: number;
  /** Runs one batch and writes each row's vector to its destination. */
  runBatch: (rows: BatchRow[]) => Promise<void>;
}

export class Batcher {
  private readonly options: BatcherOptions;
  private queue: BatchRow[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly idleWaiters: Array<() => void> = [];
  /** Batches started so far. */
  batches = 0;

  constructor(options: BatcherOptions) {
    for (const key of ['maxBatch', 'concurrency', 'maxBatchTokens'] as const) {
      const v = options[key];
      if (!Number.isInteger(v) || v < 1) {
        throw new TypeError(`Expected \`${key}\` to be an integer from 1 and up, got ${v}`);
      }
    }
    if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) {
      throw new TypeError(
        `Expected \`maxWaitMs\` to be a finite number from 0 and up, got ${options.maxWaitMs}`,
      );
    }
    this.options = options;
  }

  get pending(): number {
    return this.queue.length;
  }

  submit(rows: readonly BatchRow[]): void {
    for (const r of rows) this.queue.push(r);
    this.schedule();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Rejects every queued row (used by close); running batches finish on their own. */
  rejectQueued(error: unknown): void {
    const queued = this.queue;
    this.queue = [];
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    for (const row of queued) row.group.fail(error);
    this.notifyIdle();
  }

  private schedule(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.concurrency) {
      if (this.queue.length < this.options.maxBatch && this.options.maxWaitMs > 0) {
        // Not full yet: wait (once) for more rows, bounded by maxWaitMs.
        if (this.timer === null) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.flush();
          }, this.options.maxWaitMs);
        }
        return;
      }
      this.startBatch();
    }
  }

  /** The wait is over: start batches for whatever is queued, as concurrency allows. */
  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.concurrency) this.startBatch();
  }

  private startBatch(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.takeBatch();
    this.inFlight++;
    this.batches++;
    this.options
      .runBatch(batch)
      .then(
        () => {
          for (const row of batch) row.group.rowDone();
        },
        (error: unknown) => {
          for (const row of batch) row.group.fail(error);
        },
      )
      .finally(() => {
        this.inFlight--;
        // Rows that queued meanwhile have already waited for this batch: run them now.
        this.flush();
        this.notifyIdle();
      });
  }

  private takeBatch(): BatchRow[] {
    const { maxBatch, maxBatchTokens } = this.options;
    const taken = this.queue.splice(0, maxBatch);
    taken.sort((a, b) => b.ids.length - a.ids.length);
    const longest = taken[0]!.ids.length;
    let n = 1;
    while (
      n < taken.length &&
      taken[n]!.ids.length * 2 >= longest &&
      (n + 1) * longest <= maxBatchTokens
    ) {
      n++;
    }
    if (n < taken.length) this.queue.unshift(...taken.slice(n));
    return taken.slice(0, n);
  }

  private notifyIdle(): void {
    if (this.queue.length > 0 || this.inFlight > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
