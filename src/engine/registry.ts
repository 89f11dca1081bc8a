import { RingmemError } from '../errors.js';
import { PRECISIONS, type Precision } from '../kernel/compact.js';
import type { ScanKernel } from '../kernel/types.js';
import type { AnomalyConfig } from './anomaly.js';
import { AnomalyState } from './anomaly-state.js';
import type { Bm25Params } from './lexical-index.js';
import { Namespace } from './namespace.js';
import { memoryLimitError } from './sizing.js';
import type { NamespaceOptions } from './types.js';
import { assertNamespace, assertPositiveInt, assertTtlMs } from './validate.js';

export interface RegistryConfig {
  dim: number;
  kernel: ScanKernel;
  bm25: Bm25Params;
  anomaly: AnomalyConfig;
  /** Capacity and TTL of a namespace created on first write. */
  defaults: { capacity: number; ttlMs: number };
  /** Vector precision of a namespace created without one: by name, else the default. */
  precision: Precision;
  namespacePrecision: Readonly<Record<string, Precision>>;
  maxCapacity: number;
  maxNamespaces: number;
  maxBytes: number;
}

/**
 * The engine's namespaces by name, and what they share: the limits on their number and on the
 * bytes they hold together, and the sequence of entry ids (ids are unique across namespaces).
 */
export class NamespaceRegistry {
  /** The id the next stored entry gets. */
  nextId = 1;
  private readonly spaces = new Map<string, Namespace>();

  constructor(private readonly config: RegistryConfig) {}

  names(): string[] {
    return [...this.spaces.keys()];
  }

  get(name: string): Namespace | undefined {
    return this.spaces.get(name);
  }

  /** One namespace (none when it does not exist), or every namespace when `name` is omitted. */
  targets(name: string | undefined): Namespace[] {
    if (name === undefined) return [...this.spaces.values()];
    assertNamespace(name);
    const ns = this.spaces.get(name);
    return ns ? [ns] : [];
  }

  /** The namespace, created with the defaults on first write. */
  writable(name: string): Namespace {
    const { capacity, ttlMs } = this.config.defaults;
    return this.spaces.get(name) ?? this.create(name, capacity, ttlMs, this.precisionOf(name));
  }

  /** Creates a namespace with its own capacity and TTL, or changes the TTL of an existing one. */
  configure(name: string, options: NamespaceOptions): void {
    assertNamespace(name);
    const existing = this.spaces.get(name);
    if (options.ttlMs !== undefined) assertTtlMs(options.ttlMs);
    if (options.precision !== undefined) assertPrecision(options.precision);
    if (existing) {
      if (options.precision !== undefined && options.precision !== existing.ring.precision) {
        throw new RingmemError(
          'INVALID_ARGUMENT',
          `namespace "${name}" already exists with precision ${existing.ring.precision}; precision is fixed at creation`,
        );
      }
      if (options.capacity !== undefined && options.capacity !== existing.ring.capacity) {
        throw new RingmemError(
          'INVALID_ARGUMENT',
          `namespace "${name}" already exists with capacity ${existing.ring.capacity}; capacity is fixed at creation`,
        );
      }
      if (options.ttlMs !== undefined) existing.ttlMs = options.ttlMs;
      return;
    }
    const { defaults } = this.config;
    this.create(
      name,
      options.capacity ?? defaults.capacity,
      options.ttlMs ?? defaults.ttlMs,
      options.precision ?? this.precisionOf(name),
    );
  }

  /** The precision a namespace of this name gets when created without one. */
  precisionOf(name: string): Precision {
    return Object.hasOwn(this.config.namespacePrecision, name)
      ? (this.config.namespacePrecision[name] as Precision)
      : this.config.precision;
  }

  private create(name: string, capacity: number, ttlMs: number, precision: Precision): Namespace {
    const config = this.config;
    assertPositiveInt(capacity, 'capacity', config.maxCapacity);
    if (this.spaces.size >= config.maxNamespaces) {
      throw new RingmemError(
        'NAMESPACE_LIMIT',
        `cannot create namespace "${name}": the server holds its maximum of ${config.maxNamespaces} namespaces; reuse one, forget one, or raise the namespace limit`,
      );
    }
    const ns = new Namespace(
      name,
      config.dim,
      capacity,
      ttlMs,
      config.kernel,
      config.bm25,
      precision,
    );
    ns.anomalyState = new AnomalyState(config.anomaly, config.dim);
    if (this.totalBytes() + ns.bytes > config.maxBytes) {
      throw memoryLimitError(name, ns.bytes, this.totalBytes(), config.maxBytes);
    }
    this.spaces.set(name, ns);
    return ns;
  }

  delete(name: string): boolean {
    return this.spaces.delete(name);
  }

  totalBytes(): number {
    let bytes = 0;
    for (const ns of this.spaces.values()) bytes += ns.bytes;
    return bytes;
  }

  /** Whether the namespaces may hold `bytes` more under the cap. */
  hasRoomFor(bytes: number): boolean {
    return this.totalBytes() + bytes <= this.config.maxBytes;
  }

  /** Throws MEMORY_LIMIT unless `ns` may take `n` more rows with these payload sizes. */
  assertRoomFor(ns: Namespace, n: number, payloadSizes: Uint32Array): void {
    const needed = ns.bytesToAppend(n, payloadSizes);
    if (needed > 0 && !this.hasRoomFor(needed)) {
      throw memoryLimitError(ns.name, needed, this.totalBytes(), this.config.maxBytes);
    }
  }
}

export function assertPrecision(precision: unknown): asserts precision is Precision {
  if (!PRECISIONS.includes(precision as Precision)) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `precision must be one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`,
    );
  }
}
