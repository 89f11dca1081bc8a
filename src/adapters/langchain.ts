import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import { RECALL_MODES, type RecallMode } from '../engine/fusion.js';
import { type Memory, tagFilter } from '../memory.js';
import { type AnomalyFields, anomalyFields } from '../present/anomaly.js';
import { type HitFields, hitFields } from '../present/entries.js';
import { parseDuration } from '../time.js';
import { McpSource, type RingmemSource } from './mcp-source.js';

export { RingmemEmbeddings } from './embeddings.js';
export type { RingmemFilter } from './filters.js';
export type { RingmemSource } from './mcp-source.js';
export { RingmemVectorStore, type RingmemVectorStoreInput } from './vectorstore.js';

export interface RingmemRetrieverInput extends BaseRetrieverInput {
  source: RingmemSource;
  /** Documents to return (default 4). */
  k?: number;
  namespace?: string;
  /** Only memories with these tags (`tags` itself is LangChain's run tags). */
  filterTags?: string[];
  tagMode?: 'any' | 'all';
  /** Only memories younger than this: a duration such as "30m" or "2h". */
  within?: string;
  /** Drop hits with a lower score (its meaning depends on `mode`; see the recall tool). */
  minScore?: number;
  /** "hybrid" (default), "semantic" or "lexical". */
  mode?: RecallMode;
}

/** A hit as the recall tool returns it: in process, the same presenter builds it. */
type RecallHit = HitFields;

/**
 * A LangChain retriever over ringmem: the k memories most similar to the query, newest window
 * only, as Documents whose metadata carries id, score, timestamp and tags. It reads either an
 * in-process Memory or, over MCP, the memory a running ringmem server holds for an agent.
 */
export class RingmemRetriever extends BaseRetriever {
  override lc_namespace = ['ringmem', 'retrievers'];
  static override lc_name(): string {
    return 'RingmemRetriever';
  }

  private readonly source: RingmemSource;
  readonly k: number;
  readonly namespace: string;
  readonly filterTags: string[] | undefined;
  readonly tagMode: 'any' | 'all';
  readonly within: string | undefined;
  readonly minScore: number | undefined;
  readonly mode: RecallMode;
  private readonly mcp: McpSource | undefined;

  constructor(fields: RingmemRetrieverInput) {
    super(fields);
    this.source = fields.source;
    this.k = fields.k ?? 4;
    this.namespace = fields.namespace ?? 'default';
    this.filterTags = fields.filterTags;
    this.tagMode = fields.tagMode ?? 'any';
    this.within = fields.within;
    this.minScore = fields.minScore;
    this.mode = fields.mode ?? 'hybrid';
    if (!RECALL_MODES.includes(this.mode)) {
      throw new TypeError(
        `Expected \`mode\` to be "hybrid", "semantic" or "lexical", got ${JSON.stringify(fields.mode)}`,
      );
    }
    this.mcp =
      'memory' in this.source ? undefined : new McpSource(this.source, 'ringmem-langchain');
    if (!Number.isInteger(this.k) || this.k < 1 || this.k > 100) {
      throw new TypeError(`Expected \`k\` to be an integer from 1 to 100, got ${fields.k}`);
    }
    if (this.within !== undefined && parseDuration(this.within) === undefined) {
      throw new TypeError(
        `Expected \`within\` to be a duration such as "30m" or "2h", got ${JSON.stringify(this.within)}`,
      );
    }
  }

  override async _getRelevantDocuments(
    query: string,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<Document[]> {
    const hits =
      'memory' in this.source
        ? await this.recallInProcess(this.source.memory, query)
        : await this.recallOverMcp(query);
    return hits.map(
      (h) =>
        new Document({
          pageContent: h.text ?? '',
          metadata: {
            id: h.id,
            score: h.score,
            semantic_score: h.semantic_score,
            lexical_score: h.lexical_score,
            timestamp: h.timestamp,
            age_seconds: h.age_seconds,
            tags: h.tags,
            namespace: this.namespace,
            ...(h.metadata ? { metadata: h.metadata } : {}),
          },
        }),
    );
  }

  private async recallInProcess(memory: Memory, query: string): Promise<RecallHit[]> {
    const res = await memory.recall(query, {
      namespace: this.namespace,
      k: this.k,
      withinMs: this.within === undefined ? undefined : parseDuration(this.within),
      minScore: this.minScore,
      mode: this.mode,
      tags: tagFilter(this.filterTags, this.tagMode),
    });
    return res.hits.map(hitFields);
  }

  private async recallOverMcp(query: string): Promise<RecallHit[]> {
    const args: Record<string, unknown> = { query, k: this.k, namespace: this.namespace };
    if (this.filterTags?.length)
      Object.assign(args, { tags: this.filterTags, tag_mode: this.tagMode });
    if (this.within !== undefined) args.within = this.within;
    if (this.minScore !== undefined) args.min_score = this.minScore;
    args.mode = this.mode;
    return (await (this.mcp as McpSource).call<{ hits: RecallHit[] }>('recall', args)).hits;
  }

  /**
   * How unusual a text is against this retriever's namespace — the same fields as the
   * `anomaly_score` tool (one rendering for every front end), in process or over MCP.
   * `remember: true` also stores the text.
   */
  async anomalyScore(text: string, options: { remember?: boolean } = {}): Promise<AnomalyFields> {
    if ('memory' in this.source) {
      const r = await this.source.memory.anomaly(text, {
        namespace: this.namespace,
        remember: options.remember,
      });
      return anomalyFields(r);
    }
    return (this.mcp as McpSource).call<AnomalyFields>('anomaly_score', {
      text,
      namespace: this.namespace,
      remember: options.remember ?? false,
    });
  }

  /**
   * Closes the MCP connection this retriever opened itself (not one it was given), ending its
   * session on the server so that it does not hold a slot until it idles out.
   */
  async close(): Promise<void> {
    await this.mcp?.close();
  }
}
