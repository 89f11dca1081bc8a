import { type ChildProcess, spawn } from 'node:child_process';

export interface ExecQueueOptions {
  /** Commands running at once (default 2). */
  concurrency?: number;
  /** Commands waiting beyond the running ones before new ones are dropped (default 100). */
  maxQueued?: number;
  /** A command running longer than this is killed (default 30 s). */
  timeoutMs?: number;
  /** Where a failing command is reported. */
  warn: (line: string) => void;
}

interface Job {
  input: string;
  env: Record<string, string>;
}

/**
 * Runs a shell command per anomaly (`ringmem watch --exec`) with the line on its stdin. Bounded:
 * at most `concurrency` at once and `maxQueued` waiting — past that, new jobs are dropped and
 * counted, so a slow hook can never stall the stream — and each one is killed after `timeoutMs`.
 */
export class ExecQueue {
  readonly counts = { started: 0, failed: 0, dropped: 0, timedOut: 0 };
  private readonly queue: Job[] = [];
  private readonly running = new Set<ChildProcess>();
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  private idle: (() => void) | undefined;

  constructor(
    private readonly command: string,
    private readonly options: ExecQueueOptions,
  ) {
    this.concurrency = options.concurrency ?? 2;
    this.maxQueued = options.maxQueued ?? 100;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new TypeError(
        `Expected the exec concurrency to be an integer from 1 and up, got ${this.concurrency}`,
      );
    }
  }

  push(input: string, env: Record<string, string>): void {
    if (this.queue.length >= this.maxQueued) {
      this.counts.dropped++;
      return;
    }
    this.queue.push({ input, env });
    this.pump();
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) {
      this.start(this.queue.shift()!);
    }
    if (this.running.size === 0 && this.queue.length === 0) this.idle?.();
  }

  private start(job: Job): void {
    this.counts.started++;
    const child = spawn(this.command, {
      shell: true,
      stdio: ['pipe', 'ignore', 'inherit'],
      env: { ...process.env, ...job.env },
    });
    this.running.add(child);
    const timer = setTimeout(() => {
      this.counts.timedOut++;
      child.kill('SIGKILL');
    }, this.timeoutMs);
    let done = false;
    const finish = (failure: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.running.delete(child);
      if (failure) {
        this.counts.failed++;
        this.options.warn(`ringmem watch: --exec command ${failure}`);
      }
      this.pump();
    };
    child.on('error', (error) => finish(`could not start: ${error.message}`));
    child.on('close', (code, signal) =>
      finish(code === 0 ? undefined : signal ? `killed by ${signal}` : `exited with ${code}`),
    );
    // A command that does not read its stdin closes the pipe early: not an error.
    child.stdin?.on('error', () => {});
    child.stdin?.end(`${job.input}\n`);
  }

  /** Waits for queued and running commands, at most `graceMs`; then kills what is left. */
  async drain(graceMs: number): Promise<void> {
    if (this.running.size === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
    for (const child of this.running) child.kill('SIGKILL');
  }
}
