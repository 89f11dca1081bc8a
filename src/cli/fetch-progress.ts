import type { FetchEvent } from '../models/fetch.js';
import type { ProgressBar } from './progress.js';
import { createProgressBar } from './progress.js';

const PHASE_LABEL = { check: 'checking', rehash: 'resuming', download: 'downloading' } as const;

/** Turns fetch events into one progress bar per file and phase on stderr. */
export class FetchProgress {
  private bar: ProgressBar | undefined;
  private key = '';

  constructor(private readonly stream: NodeJS.WritableStream) {}

  on(event: FetchEvent): void {
    if (event.type === 'file-progress') {
      const key = `${event.path}:${event.phase}`;
      if (key !== this.key) {
        this.bar?.finish();
        this.key = key;
        this.bar = createProgressBar({
          stream: this.stream,
          label: `${PHASE_LABEL[event.phase]} ${event.path}`,
          total: event.bytesTotal,
        });
      }
      this.bar?.update(event.bytesDone);
    } else if (event.type === 'file-done') {
      if (this.bar !== undefined && this.key.startsWith(`${event.path}:`)) {
        this.bar.finish(event.status === 'present' ? 'already present, verified' : 'verified');
      } else {
        this.stream.write(
          `${event.path}: ${event.status === 'present' ? 'already present, verified' : 'verified'}\n`,
        );
      }
      this.bar = undefined;
      this.key = '';
    }
  }

  close(): void {
    // A failed download leaves its bar mid-line; end the line so the error starts on its own.
    this.bar?.finish('stopped');
    this.bar = undefined;
  }
}
