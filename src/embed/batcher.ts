/**
 * Coalesces rows from concurrent embed calls into model batches.
 *
 * - When a run slot is free, queued rows start on the next turn of the event loop (setImmediate),
 *   which gathers every call made in the same turn (`Promise.all` over many embeds) without adding
 *   latency for a lone caller; `maxWaitMs` > 0 additionally waits that long for company (a 2 ms
 *   timer measured 4–5 ms of extra batch-1 latency on a loaded 2-core box, hence default 0).
 * - At most `concurrency` batches run at the same time; rows that arrive meanwhile queue and go
 *   together as soon as a run finishes, so batching grows with load and the wait is bounded by one
 *   run. A full batch (`maxBatch` rows) never waits.
 * - A batch is padded to its longest row, so the rows considered (the oldest 4 × maxBatch) are
 *   sorted by length and cut where the next row is less than half as long as the longest (a
 *   10-token row padded to 256 costs as much as a 256-token row), and the padded size is capped at
 *   `maxBatchTokens`. Rows left out go back to the front of the queue and run next.
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
  private immediate: NodeJS.Immediate | null = null;
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
    this.clearWait();
    for (const row of queued) row.group.fail(error);
    this.notifyIdle();
  }

  private schedule(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.concurrency) {
      if (this.queue.length < this.options.maxBatch) {
        // Not full yet: let the rest of this turn's calls (or maxWaitMs) join the batch.
        if (this.options.maxWaitMs > 0) {
          this.timer ??= setTimeout(() => {
            this.timer = null;
            this.flush();
          }, this.options.maxWaitMs);
        } else {
          this.immediate ??= setImmediate(() => {
            this.immediate = null;
            this.flush();
          });
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

  private clearWait(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private startBatch(): void {
    this.clearWait();
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
    const taken = this.queue.splice(0, maxBatch * 4);
    taken.sort((a, b) => b.ids.length - a.ids.length);
    const longest = taken[0]!.ids.length;
    let n = 1;
    while (
      n < taken.length &&
      n < maxBatch &&
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
