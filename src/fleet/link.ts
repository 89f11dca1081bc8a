import { createRequire } from 'node:module';
import type * as RedisClientModule from '@redis/client';
import type { MemoryEngine } from '../engine/engine.js';
import { RingmemError } from '../errors.js';
import type { LogFn } from '../log.js';
import { FleetApplier } from './applier.js';
import { decodeEvent, encodeEvent, type FleetEvent } from './codec.js';
import { compareStreamIds, streamIdOf } from './stream-ids.js';

export interface FleetSettings {
  /** redis:// or rediss:// URL, user and password included or not. */
  url: string;
  /** Used when the URL carries no password (RINGMEM_REDIS_PASSWORD). */
  password?: string;
  /** Key prefix: streams are `<prefix>ns:<namespace>`, the namespace list `<prefix>namespaces`. */
  prefix: string;
  /** The model id this node embeds with (entries of another model are refused). */
  model: string;
  log: LogFn;
  /** How long one XREAD blocks (ms); also how soon a closing node notices. */
  blockMs?: number;
  /** How long a write waits to see its own entries applied here. */
  applyTimeoutMs?: number;
}

/** What a reply can say about the fleet (recall's `fleet` field). */
export interface FleetState {
  /** True until this node has read every stream to its end since it (re)connected. */
  catchingUp: boolean;
  /** When Redis became unreachable (ms since the epoch), or null while connected. */
  staleSince: number | null;
}

/** Entries read per stream per XREAD: the unit of catch-up progress. */
const READ_BATCH = 1000;
/** Entries older than the TTL by more than this are trimmed (room for clock skew between nodes). */
const TTL_TRIM_SLACK_MS = 60_000;

type Client = ReturnType<typeof RedisClientModule.createClient>;

// @redis/client is loaded by the first link made, not when this file is imported: every server
// imports the runtime, and loading the Redis client cost ~100-190 ms of start-up (measured by
// bench:mcp's handshake row) for the few that run with --redis.
let redisModule: typeof RedisClientModule | undefined;
function redis(): typeof RedisClientModule {
  redisModule ??= createRequire(import.meta.url)('@redis/client') as typeof RedisClientModule;
  return redisModule;
}
interface Waiter {
  namespace: string;
  streamId: string;
  resolve: () => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

/**
 * One node's link to the fleet's Redis: writes go to the namespace's stream (XADD, trimmed by
 * MINID to the oldest slot any node may still hold), and one reader applies every stream, the
 * writer's own entries included, in stream order through the FleetApplier. A write returns after
 * Redis acknowledged it and this node applied it (read-your-writes).
 */
export class FleetLink {
  readonly applier: FleetApplier;
  private readonly writer: Client;
  private readonly reader: Client;
  private readonly indexKey: string;
  /** Namespace → the last stream id applied here ('0-0' before the first). */
  private readonly applied = new Map<string, string>();
  private indexLast = '0-0';
  private waiters: Waiter[] = [];
  private closed = false;
  private caughtUp = false;
  private staleSince: number | null = null;
  private resync = true;
  private loop: Promise<void> | undefined;
  private readonly blockMs: number;
  private readonly applyTimeoutMs: number;
  private readonly where: string;

  constructor(
    readonly engine: MemoryEngine,
    private readonly settings: FleetSettings,
  ) {
    this.applier = new FleetApplier(engine, settings.model, settings.log);
    this.indexKey = `${settings.prefix}namespaces`;
    this.blockMs = settings.blockMs ?? 500;
    this.applyTimeoutMs = settings.applyTimeoutMs ?? 10_000;
    this.where = redact(settings.url);
    const options = {
      url: settings.url,
      ...(settings.password && !new URL(settings.url).password
        ? { password: settings.password }
        : {}),
      // Fail at once while disconnected (a write must never wait silently or go local-only).
      disableOfflineQueue: true,
      socket: {
        // Exponential backoff with jitter, capped at 2 s; never gives up.
        reconnectStrategy: (retries: number) =>
          Math.min(2000, 50 * 2 ** Math.min(retries, 6)) + Math.floor(Math.random() * 50),
        connectTimeout: 5000,
      },
    };
    const { createClient } = redis();
    this.writer = createClient(options);
    this.reader = createClient(options);
    for (const client of [this.writer, this.reader]) {
      client.on('error', (error: Error) => this.markStale(error));
    }
  }

  /** Connects and starts applying the streams (in the background: a node serves at once). */
  start(): void {
    for (const client of [this.writer, this.reader]) client.connect().catch(() => {});
    this.loop = this.run();
  }

  state(): FleetState {
    return { catchingUp: !this.caughtUp, staleSince: this.staleSince };
  }

  /** Where this node's fleet lives (the password never appears). */
  describe(): { redis: string; prefix: string } {
    return { redis: this.where, prefix: this.settings.prefix };
  }

  streamKey(namespace: string): string {
    return `${this.settings.prefix}ns:${namespace}`;
  }

  /**
   * Appends events to a namespace's stream and waits until this node applied them. Returns
   * their stream ids. Throws STORE_UNAVAILABLE when Redis is unreachable: nothing is stored.
   */
  async append(namespace: string, events: readonly FleetEvent[]): Promise<string[]> {
    this.assertWritable();
    let ids: string[];
    try {
      if (!this.applied.has(namespace)) {
        // Tells every reader (this one too) to read the new stream.
        await this.writer.sendCommand(['XADD', this.indexKey, '*', 'n', namespace]);
      }
      const key = this.streamKey(namespace);
      const trim = this.trimThreshold(namespace);
      const head = trim ? ['MINID', '~', trim] : [];
      ids = (await Promise.all(
        events.map((event) =>
          this.writer.sendCommand([
            'XADD',
            key,
            ...head,
            '*',
            ...Object.entries(encodeEvent(event)).flat(),
          ]),
        ),
      )) as unknown as string[];
    } catch (error) {
      throw this.unavailable(error);
    }
    if (ids.length > 0) await this.waitApplied(namespace, ids[ids.length - 1] as string);
    return ids;
  }

  /**
   * Forgets everything older than `before` in a namespace: a cut event every node applies, then
   * the stream trimmed exactly there (never past the event itself).
   */
  async cut(namespace: string, before: number): Promise<void> {
    const [eventId] = await this.append(namespace, [{ kind: 'cut', before }]);
    const threshold = `${Math.max(0, Math.floor(before))}-0`;
    const upTo = compareStreamIds(threshold, eventId as string) < 0 ? threshold : eventId;
    try {
      await this.writer.sendCommand(['XTRIM', this.streamKey(namespace), 'MINID', upTo as string]);
    } catch (error) {
      // The cut is applied everywhere already; the trim only frees Redis memory, and later
      // writes trim past these entries anyway.
      this.settings.log('warning', `fleet: trimming "${namespace}" failed: ${String(error)}`);
    }
  }

  /** Namespaces this node has seen in the fleet (applied or announced). */
  namespaces(): string[] {
    return [...this.applied.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    if (this.reader.isOpen) this.reader.destroy();
    await this.loop;
    if (this.writer.isOpen) {
      try {
        await this.writer.close();
      } catch {
        this.writer.destroy();
      }
    }
  }

  private assertWritable(): void {
    if (!this.writer.isReady) throw this.unavailable(undefined);
  }

  private unavailable(error: unknown): RingmemError {
    const why = error instanceof Error ? `: ${error.message}` : '';
    const since = this.staleSince
      ? ` (unreachable since ${new Date(this.staleSince).toISOString()})`
      : '';
    return new RingmemError(
      'STORE_UNAVAILABLE',
      `the fleet's Redis at ${this.where} did not acknowledge the write${why}${since}; nothing was stored. Retry when Redis is back (this node reconnects by itself).`,
    );
  }

  /**
   * The oldest stream id the stream must keep: the oldest slot of this node's ring (tombstones
   * included; what it applied, so conservative for nodes ahead of it), or entries within the TTL
   * plus a minute of clock skew, whichever is newer. Undefined: trim nothing.
   */
  private trimThreshold(namespace: string): string | undefined {
    const oldest = this.engine.oldestSlotId(namespace);
    let threshold = oldest === undefined ? undefined : streamIdOf(oldest);
    const ttl = this.engine.stats(namespace)[0]?.ttlMs ?? null;
    if (ttl !== null && Number.isFinite(ttl)) {
      const byAge = `${Math.max(0, Math.floor(this.engine.now() - ttl - TTL_TRIM_SLACK_MS))}-0`;
      if (threshold === undefined || compareStreamIds(byAge, threshold) > 0) threshold = byAge;
    }
    return threshold;
  }

  private waitApplied(namespace: string, streamId: string): Promise<void> {
    if (this.isApplied(namespace, streamId)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new RingmemError(
            'STORE_UNAVAILABLE',
            `Redis acknowledged the write (stream id ${streamId}) but this node has not read it back within ${this.applyTimeoutMs} ms; it is stored and will appear once this node catches up.`,
          ),
        );
      }, this.applyTimeoutMs);
      const waiter: Waiter = {
        namespace,
        streamId,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private isApplied(namespace: string, streamId: string): boolean {
    const last = this.applied.get(namespace);
    return last !== undefined && compareStreamIds(last, streamId) >= 0;
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.isApplied(w.namespace, w.streamId)) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private markStale(error: Error | undefined): void {
    if (this.closed) return;
    this.caughtUp = false;
    this.resync = true;
    if (this.staleSince === null) {
      this.staleSince = Date.now();
      this.settings.log(
        'warning',
        `fleet: Redis at ${this.where} unreachable${error ? ` (${error.message})` : ''}; serving the local window, writes refused until it is back`,
      );
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      if (!this.reader.isReady) {
        await sleep(Math.min(2000, 50 * 2 ** Math.min(failures++, 6)));
        continue;
      }
      try {
        if (this.resync) await this.checkGaps();
        await this.readOnce();
        failures = 0;
      } catch (error) {
        if (this.closed) break;
        this.markStale(error as Error);
        await sleep(Math.min(2000, 50 * 2 ** Math.min(failures++, 6)));
      }
    }
  }

  /**
   * After a (re)connect: a stream trimmed past what this node last applied (it was away longer
   * than the window lasts) cannot be continued; that namespace is rebuilt from the stream.
   */
  private async checkGaps(): Promise<void> {
    for (const [namespace, last] of this.applied) {
      if (last === '0-0') continue;
      const first = (await this.reader.sendCommand([
        'XRANGE',
        this.streamKey(namespace),
        '-',
        '+',
        'COUNT',
        '1',
      ])) as [string, unknown][];
      const firstId = first[0]?.[0];
      if (firstId === undefined || compareStreamIds(String(firstId), last) > 0) {
        this.settings.log(
          'info',
          `fleet: stream of "${namespace}" was trimmed past this node's position; rebuilding it from the stream`,
        );
        this.engine.dropNamespace(namespace);
        this.applied.set(namespace, '0-0');
      }
    }
    this.settings.log(
      'info',
      this.staleSince !== null
        ? `fleet: Redis at ${this.where} reachable again; catching up`
        : `fleet: connected to Redis at ${this.where} (key prefix "${this.settings.prefix}"); catching up`,
    );
    this.resync = false;
  }

  private async readOnce(): Promise<void> {
    const names = [...this.applied.keys()];
    const keys = [this.indexKey, ...names.map((n) => this.streamKey(n))];
    const from = [this.indexLast, ...names.map((n) => this.applied.get(n) as string)];
    const reply = (await this.reader.sendCommand(
      [
        'XREAD',
        'COUNT',
        String(READ_BATCH),
        'BLOCK',
        String(this.blockMs),
        'STREAMS',
        ...keys,
        ...from,
      ],
      // Raw bytes: vectors are binary (and texts are decoded as UTF-8 by the codec).
      { typeMapping: { [redis().RESP_TYPES.BLOB_STRING]: Buffer } },
    )) as [Buffer, [Buffer, Buffer[]][]][] | null;
    this.staleSince = null;
    let more = false;
    for (const [keyBuf, entries] of reply ?? []) {
      const key = keyBuf.toString('utf8');
      if (entries.length >= READ_BATCH) more = true;
      if (key === this.indexKey) {
        for (const [id, fields] of entries) {
          this.indexLast = id.toString('utf8');
          const name = fields[1]?.toString('utf8');
          if (name !== undefined && !this.applied.has(name)) {
            this.applied.set(name, '0-0');
            more = true;
          }
        }
        continue;
      }
      const namespace = key.slice(this.settings.prefix.length + 3);
      for (const [idBuf, fields] of entries) {
        const streamId = idBuf.toString('utf8');
        let event: FleetEvent;
        try {
          event = decodeEvent(fields);
        } catch (error) {
          this.settings.log(
            'warning',
            `fleet: skipped malformed stream entry ${streamId} of "${namespace}": ${(error as Error).message}`,
          );
          this.applied.set(namespace, streamId);
          continue;
        }
        this.applier.apply(namespace, streamId, event);
        this.applied.set(namespace, streamId);
      }
    }
    this.wakeWaiters();
    if (!more) this.caughtUp = true;
  }
}
