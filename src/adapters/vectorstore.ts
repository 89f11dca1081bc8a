import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { type MaxMarginalRelevanceSearchOptions, VectorStore } from '@langchain/core/vectorstores';
import type { MemoryEntry, Rerank } from '../engine/index.js';
import type { Memory } from '../memory.js';
import { documentOf, entryOf, type Flat, ID_KEY } from './documents.js';
import { RingmemEmbeddings } from './embeddings.js';
import { assertK, engineFilter, type RingmemFilter, toTime, toWithinMs } from './filters.js';
import { inProcessOnly, McpSource, type RingmemSource } from './mcp-source.js';

// The store's operations, in process and over MCP; its filters (filters.ts), Document mapping
// (documents.ts) and Embeddings (embeddings.ts) live beside it.

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

interface McpHit {
  id: number;
  text: string | null;
  score: number;
  tags: string[];
  metadata: Flat | null;
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
