import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { Embeddings, type EmbeddingsInterface } from '@langchain/core/embeddings';
import { type MaxMarginalRelevanceSearchOptions, VectorStore } from '@langchain/core/vectorstores';
import type {
  EntryInput,
  MemoryEntry,
  MetadataScalar,
  Rerank,
  TagFilter,
} from '../engine/index.js';
import type { Memory } from '../memory.js';
import { parseDuration, parseInstant } from '../time.js';
import { McpSource, type RingmemSource } from './mcp-source.js';

/**
 * Which memories a search (or a delete) may touch: the filters ringmem applies before its scan.
 * All given conditions must hold.
 */
export interface RingmemFilter {
  /** Entries with these tags: at least one (`tagMode: 'any'`, the default) or all of them. */
  tags?: readonly string[];
  tagMode?: 'any' | 'all';
  /** Entries younger than this: a duration such as "30m" / "2h", or milliseconds. */
  within?: string | number;
  /** Entries stored at or after this time (a Date, ms since the epoch, or ISO 8601). */
  since?: Date | number | string;
  /** Entries stored at or before this time. */
  until?: Date | number | string;
  /** Entries whose metadata has each of these keys with exactly this value. */
  metadata?: Readonly<Record<string, MetadataScalar>>;
}

export interface RingmemVectorStoreInput {
  source: RingmemSource;
  /** The ringmem namespace this store reads and writes (default "default"). */
  namespace?: string;
  /**
   * Rank similarity searches as LangChain's TimeWeightedVectorStoreRetriever does: relevance plus
   * `(1 − decayRate) ^ hoursSinceStored`, from each entry's stored time, computed in the engine.
   * `true` uses decayRate 0.01. Scores are then the blended score.
   */
  timeWeighted?: boolean | { decayRate?: number };
}

/** Metadata key that keeps the ids callers give to addDocuments/addVectors. */
const ID_KEY = 'lc_id';
const MAX_K = 100;

type Flat = Record<string, unknown>;

interface McpHit {
  id: number;
  text: string | null;
  score: number;
  tags: string[];
  metadata: Flat | null;
}

function inProcessOnly(what: string): Error {
  return new Error(
    `RingmemVectorStore: ${what} needs an in-process memory (source: { memory }); over MCP the store can add documents, search by text with tag and time filters, and delete by the ids the server returned`,
  );
}

function toTime(value: Date | number | string, name: string): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : parseInstant(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new TypeError(
      `Expected filter \`${name}\` to be a Date, ms since the epoch or an ISO 8601 time, got ${String(value)}`,
    );
  }
  return ms;
}

function toWithinMs(within: string | number): number {
  const ms = typeof within === 'number' ? within : parseDuration(within);
  if (ms === undefined || !(ms >= 0)) {
    throw new TypeError(
      `Expected filter \`within\` to be a duration such as "30m" or a number of ms, got ${String(within)}`,
    );
  }
  return ms;
}

function tagFilterOf(filter: RingmemFilter | undefined): TagFilter | undefined {
  const tags = filter?.tags?.length ? filter.tags : undefined;
  if (!tags) return undefined;
  return filter?.tagMode === 'all' ? { all: tags } : { any: tags };
}

/** The engine's search filters for a RingmemFilter. */
function engineFilter(filter: RingmemFilter | undefined) {
  return {
    tags: tagFilterOf(filter),
    withinMs: filter?.within === undefined ? undefined : toWithinMs(filter.within),
    since: filter?.since === undefined ? undefined : toTime(filter.since, 'since'),
    until: filter?.until === undefined ? undefined : toTime(filter.until, 'until'),
    metadata: filter?.metadata,
  };
}

function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new TypeError(`Expected \`k\` to be an integer from 1 to ${MAX_K}, got ${k}`);
  }
}

/** Splits a Document's metadata into ringmem's tags and the metadata stored beside the text. */
function entryOf(doc: DocumentInterface, id: string | undefined): Omit<EntryInput, 'text'> {
  const { tags, ...rest } = (doc.metadata ?? {}) as Flat;
  const isTagList = Array.isArray(tags) && tags.every((t) => typeof t === 'string');
  const metadata: Flat = isTagList || tags === undefined ? rest : { ...rest, tags };
  if (id !== undefined) metadata[ID_KEY] = id;
  return { tags: isTagList ? (tags as string[]) : undefined, metadata };
}

function documentOf(
  id: number,
  text: string | null | undefined,
  tags: readonly string[],
  stored: Readonly<Flat> | null | undefined,
): Document {
  const { [ID_KEY]: callerId, ...metadata } = (stored ?? {}) as Flat;
  if (tags.length > 0) metadata.tags = [...tags];
  return new Document({
    pageContent: text ?? '',
    metadata,
    id: typeof callerId === 'string' ? callerId : String(id),
  });
}

/**
 * LangChain Embeddings backed by ringmem's own model, so a vector store and the vectors a caller
 * makes with `embedQuery` agree. In-process only: the MCP tools take text, not vectors.
 */
export class RingmemEmbeddings extends Embeddings {
  constructor(private readonly memory: Memory | undefined) {
    super({});
  }

  private need(): Memory {
    if (!this.memory) throw inProcessOnly('embedding texts into vectors');
    return this.memory;
  }

  private async rows(texts: string[], kind: 'query' | 'passage'): Promise<number[][]> {
    const memory = this.need();
    const flat = await memory.embed(texts, kind);
    const dim = memory.dim;
    return texts.map((_, i) => Array.from(flat.subarray(i * dim, (i + 1) * dim)));
  }

  embedDocuments(documents: string[]): Promise<number[][]> {
    return this.rows(documents, 'passage');
  }

  async embedQuery(document: string): Promise<number[]> {
    return (await this.rows([document], 'query'))[0] as number[];
  }
}

/**
 * A LangChain VectorStore over ringmem: texts embedded by ringmem's model, kept in its time-bounded
 * window, with ids, deletion, filters by tags / time / metadata, MMR and time-weighted ranking
 * computed in the engine. Reads and writes an in-process Memory or, over MCP, a running server
 * (text operations only there).
 */
export class RingmemVectorStore extends VectorStore {
  declare FilterType: RingmemFilter;
  override lc_namespace = ['ringmem', 'vectorstores'];

  readonly namespace: string;
  readonly decayRate: number | undefined;
  private readonly memory: Memory | undefined;
  private readonly mcp: McpSource | undefined;

  static override lc_name(): string {
    return 'RingmemVectorStore';
  }

  _vectorstoreType(): string {
    return 'ringmem';
  }

  constructor(fields: RingmemVectorStoreInput) {
    const memory = 'memory' in fields.source ? fields.source.memory : undefined;
    super(new RingmemEmbeddings(memory), {});
    this.memory = memory;
    this.mcp =
      'memory' in fields.source ? undefined : new McpSource(fields.source, 'ringmem-vectorstore');
    this.namespace = fields.namespace ?? 'default';
    const tw = fields.timeWeighted;
    this.decayRate = tw === true ? 0.01 : tw ? (tw.decayRate ?? 0.01) : undefined;
    if (this.decayRate !== undefined && !(this.decayRate >= 0 && this.decayRate <= 1)) {
      throw new TypeError(`Expected \`decayRate\` to be from 0 to 1, got ${this.decayRate}`);
    }
  }

  private need(what: string): Memory {
    if (!this.memory) throw inProcessOnly(what);
    return this.memory;
  }

  private checkIds(ids: string[] | undefined, n: number): void {
    if (ids === undefined) return;
    if (ids.length !== n) {
      throw new TypeError(`Expected one id per document: got ${ids.length} ids for ${n} documents`);
    }
    if (new Set(ids).size !== ids.length) throw new TypeError('Expected distinct ids');
  }

  /**
   * Embeds and stores documents. `ids` (optional) name them; an id already in the store is
   * replaced. Returns the ids: the given ones, or the ids ringmem assigned (as strings).
   */
  override async addDocuments(
    documents: DocumentInterface[],
    options?: { ids?: string[] },
  ): Promise<string[]> {
    if (this.mcp) {
      // The server assigns ids; documents' own ids (say, from an earlier search) are not kept.
      if (options?.ids) throw inProcessOnly('storing documents under ids you choose');
      return this.addOverMcp(documents);
    }
    const ids = options?.ids ?? documents.map((d) => d.id);
    const given = ids.every((id) => typeof id === 'string') && ids.length > 0;
    this.checkIds(given ? (ids as string[]) : undefined, documents.length);
    if (documents.length === 0) return [];
    const memory = this.need('addDocuments');
    const callerIds = given ? (ids as string[]) : undefined;
    if (callerIds) await this.delete({ ids: callerIds });
    const res = await memory.remember(
      documents.map((d) => d.pageContent),
      {
        namespace: this.namespace,
        entries: documents.map((d, i) => entryOf(d, callerIds?.[i])),
        score: false,
      },
    );
    return callerIds ?? res.ids.map(String);
  }

  private async addOverMcp(documents: DocumentInterface[]): Promise<string[]> {
    const out: string[] = [];
    for (const doc of documents) {
      const entry = entryOf(doc, undefined);
      const args: Record<string, unknown> = { text: doc.pageContent, namespace: this.namespace };
      if (entry.tags?.length) args.tags = entry.tags;
      const meta = Object.entries(entry.metadata ?? {});
      if (meta.length > 0) args.metadata = meta.map(([key, value]) => ({ key, value }));
      const res = await (this.mcp as McpSource).call<{ ids: number[] }>('remember', args);
      out.push(...res.ids.map(String));
    }
    return out;
  }

  /** Stores vectors you made (of ringmem's dimension) with their documents. In-process only. */
  override async addVectors(
    vectors: number[][],
    documents: DocumentInterface[],
    options?: { ids?: string[] },
  ): Promise<string[]> {
    const memory = this.need('addVectors');
    if (vectors.length !== documents.length) {
      throw new TypeError(
        `Expected one vector per document: got ${vectors.length} vectors for ${documents.length} documents`,
      );
    }
    const ids = options?.ids ?? documents.map((d) => d.id);
    const callerIds =
      ids.every((id) => typeof id === 'string') && ids.length > 0 ? (ids as string[]) : undefined;
    this.checkIds(callerIds, documents.length);
    if (documents.length === 0) return [];
    const dim = memory.dim;
    const flat = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => {
      if (v.length !== dim) {
        throw new TypeError(
          `Expected vectors of ${dim} values (ringmem's dimension), got ${v.length}`,
        );
      }
      flat.set(v, i * dim);
    });
    if (callerIds) await this.delete({ ids: callerIds });
    const entries = documents.map((d, i) => ({
      text: d.pageContent,
      ...entryOf(d, callerIds?.[i]),
    }));
    const res = memory.rememberVectors(flat, entries, { namespace: this.namespace });
    return callerIds ?? res.ids.map(String);
  }

  /**
   * Deletes by id (the ids addDocuments returned), by filter, or everything in the namespace
   * (`deleteAll: true`). Unknown ids are ignored, as LangChain stores do.
   */
  override async delete(params?: {
    ids?: string[];
    filter?: RingmemFilter;
    deleteAll?: boolean;
  }): Promise<void> {
    const { ids, filter, deleteAll } = params ?? {};
    if (ids === undefined && filter === undefined && !deleteAll) {
      throw new TypeError('Expected `ids`, `filter` or `deleteAll: true`');
    }
    if (this.mcp) {
      if (filter !== undefined || deleteAll) throw inProcessOnly('deleting by filter');
      const numeric = (ids ?? []).filter((id) => /^[1-9]\d*$/.test(id)).map(Number);
      if (numeric.length !== (ids ?? []).length) {
        throw inProcessOnly('deleting by ids you chose (the server only knows its own ids)');
      }
      const client = await (this.mcp as McpSource).client();
      // forget is all-or-nothing on unknown ids: one call per id, so a gone id skips only itself.
      for (const id of numeric) {
        await client.callTool({
          name: 'forget',
          arguments: { ids: [id], namespace: this.namespace },
        });
      }
      return;
    }
    const memory = this.need('delete');
    if (deleteAll) memory.forgetMatching(this.namespace, {});
    if (filter !== undefined) memory.forgetMatching(this.namespace, engineFilter(filter));
    for (const id of ids ?? []) {
      const named = memory.forgetMatching(this.namespace, { metadata: { [ID_KEY]: id } });
      if (named.length > 0 || !/^[1-9]\d*$/.test(id)) continue;
      // An id ringmem assigned: only for entries stored without an id of the caller's.
      const entry = memory.get(this.namespace, Number(id));
      if (entry && !(entry.metadata && ID_KEY in entry.metadata)) {
        memory.forget([entry.id], this.namespace);
      }
    }
  }

  private async searchInProcess(
    query: string | number[],
    k: number,
    filter: RingmemFilter | undefined,
    rerank: Rerank | undefined,
  ): Promise<[Document, number][]> {
    assertK(k);
    const memory = this.need('searching by vector');
    const res = await memory.search(query, {
      namespace: this.namespace,
      k,
      ...engineFilter(filter),
      rerank:
        rerank ??
        (this.decayRate === undefined ? undefined : { kind: 'time', decayRate: this.decayRate }),
    });
    return res.hits.map((h: MemoryEntry & { score: number }) => [
      documentOf(h.id, h.text, h.tags, h.metadata as Flat | undefined),
      h.score,
    ]);
  }

  private async searchOverMcp(
    query: string,
    k: number,
    filter: RingmemFilter | undefined,
  ): Promise<[Document, number][]> {
    assertK(k);
    if (filter?.metadata && Object.keys(filter.metadata).length > 0) {
      throw inProcessOnly('a metadata filter');
    }
    if (this.decayRate !== undefined) throw inProcessOnly('time-weighted ranking');
    const args: Record<string, unknown> = { query, k, namespace: this.namespace };
    if (filter?.tags?.length)
      Object.assign(args, { tags: filter.tags, tag_mode: filter.tagMode ?? 'any' });
    if (filter?.within !== undefined) {
      args.within = `${toWithinMs(filter.within)}ms`;
    }
    if (filter?.since !== undefined)
      args.since = new Date(toTime(filter.since, 'since')).toISOString();
    if (filter?.until !== undefined)
      args.until = new Date(toTime(filter.until, 'until')).toISOString();
    const res = await (this.mcp as McpSource).call<{ hits: McpHit[] }>('recall', args);
    return res.hits.map((h) => [documentOf(h.id, h.text, h.tags, h.metadata), h.score]);
  }

  /** Top-k by cosine similarity to a vector you made (ringmem's dimension). In-process only. */
  async similaritySearchVectorWithScore(
    query: number[],
    k: number,
    filter?: RingmemFilter,
  ): Promise<[Document, number][]> {
    this.need('similaritySearchVectorWithScore');
    return this.searchInProcess(query, k, filter, undefined);
  }

  /** Top-k by meaning; the query is embedded by ringmem as a query (not as a passage). */
  override async similaritySearchWithScore(
    query: string,
    k = 4,
    filter?: RingmemFilter,
    _callbacks?: Callbacks,
  ): Promise<[Document, number][]> {
    return this.mcp
      ? this.searchOverMcp(query, k, filter)
      : this.searchInProcess(query, k, filter, undefined);
  }

  override async similaritySearch(
    query: string,
    k = 4,
    filter?: RingmemFilter,
    _callbacks?: Callbacks,
  ): Promise<Document[]> {
    return (await this.similaritySearchWithScore(query, k, filter)).map(([doc]) => doc);
  }

  /**
   * Maximal marginal relevance: `fetchK` candidates by relevance (default 20), then k chosen
   * greedily for relevance and diversity (`lambda` 1 = relevance only, 0 = diversity only;
   * default 0.5). Computed in the engine over its stored rows. In-process only.
   */
  override async maxMarginalRelevanceSearch(
    query: string,
    options: MaxMarginalRelevanceSearchOptions<RingmemFilter>,
    _callbacks?: Callbacks,
  ): Promise<Document[]> {
    this.need('maxMarginalRelevanceSearch');
    const k = options.k ?? 4;
    const fetchK = Math.max(k, options.fetchK ?? 20);
    const lambda = options.lambda ?? 0.5;
    const hits = await this.searchInProcess(query, k, options.filter, {
      kind: 'mmr',
      fetchK,
      lambda,
    });
    return hits.map(([doc]) => doc);
  }

  /** Closes the MCP connection this store opened itself. */
  async close(): Promise<void> {
    await this.mcp?.close();
  }

  /** A store holding `texts`, each with its metadata (one object for all, or one per text). */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface | null | undefined,
    config: RingmemVectorStoreInput,
  ): Promise<RingmemVectorStore> {
    const docs = texts.map(
      (text, i) =>
        new Document({
          pageContent: text,
          metadata: (Array.isArray(metadatas) ? metadatas[i] : metadatas) ?? {},
        }),
    );
    return RingmemVectorStore.fromDocuments(docs, embeddings, config);
  }

  /** A store holding `docs`. ringmem embeds with its own model: pass `null` for `embeddings`. */
  static override async fromDocuments(
    docs: DocumentInterface[],
    embeddings: EmbeddingsInterface | null | undefined,
    config: RingmemVectorStoreInput,
  ): Promise<RingmemVectorStore> {
    if (embeddings && !(embeddings instanceof RingmemEmbeddings)) {
      throw new TypeError(
        "RingmemVectorStore embeds with ringmem's own model: pass null (or a RingmemEmbeddings) as `embeddings`",
      );
    }
    const store = new RingmemVectorStore(config);
    await store.addDocuments(docs);
    return store;
  }
}
