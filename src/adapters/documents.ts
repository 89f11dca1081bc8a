import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EntryInput } from '../engine/index.js';

/** Metadata key that keeps the ids callers give to addDocuments/addVectors. */
export const ID_KEY = 'lc_id';

export type Flat = Record<string, unknown>;

/** Splits a Document's metadata into ringmem's tags and the metadata stored beside the text. */
export function entryOf(doc: DocumentInterface, id: string | undefined): Omit<EntryInput, 'text'> {
  const { tags, ...rest } = (doc.metadata ?? {}) as Flat;
  const isTagList = Array.isArray(tags) && tags.every((t) => typeof t === 'string');
  const metadata: Flat = isTagList || tags === undefined ? rest : { ...rest, tags };
  if (id !== undefined) metadata[ID_KEY] = id;
  return { tags: isTagList ? (tags as string[]) : undefined, metadata };
}

export function documentOf(
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
