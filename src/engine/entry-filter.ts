/** A flat metadata value an equality filter can compare. */
export type MetadataScalar = string | number | boolean | null;

/** Entries whose metadata has every one of these keys with exactly this value. */
export type MetadataFilter = Readonly<Record<string, MetadataScalar>>;

/** Keeps or drops one slot by its tags and metadata; built once per search. */
export type EntryPredicate = (
  tags: readonly string[] | undefined,
  metadata: Readonly<Record<string, unknown>> | undefined,
) => boolean;

/**
 * Adds metadata equality to a tag predicate. Values compare with `Object.is` except that 0 and
 * -0 are equal (JSON cannot tell them apart); a key the entry lacks never matches, not even null.
 */
export function withMetadataFilter(
  tagFilter: EntryPredicate | undefined,
  filter: MetadataFilter | undefined,
): EntryPredicate | undefined {
  const pairs = filter ? Object.entries(filter) : [];
  if (pairs.length === 0) return tagFilter;
  return (tags, metadata) => {
    if (tagFilter && !tagFilter(tags, metadata)) return false;
    if (!metadata) return false;
    for (const [key, want] of pairs) {
      if (!Object.hasOwn(metadata, key)) return false;
      const have = metadata[key];
      if (have !== want && !(Number.isNaN(want) && Number.isNaN(have))) return false;
    }
    return true;
  };
}
