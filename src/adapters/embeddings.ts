import { Embeddings } from '@langchain/core/embeddings';
import type { Memory } from '../memory.js';
import { inProcessOnly } from './mcp-source.js';

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
