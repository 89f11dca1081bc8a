// Streams lines through a real MemoryEngine the way `ringmem watch` does (masked lines embedded
// as passages, remembered in batches, each scored against the window before it joins) and keeps
// every report. Embedding is separate so several rule variants can replay one embedding.
import { maskLogLine } from '../../src/cli/log-mask.js';
import type { Embedder } from '../../src/embed/types.js';
import type { EngineConfig } from '../../src/engine/engine.js';
import { type AnomalyReport, MemoryEngine } from '../../src/engine/index.js';

const EMBED_CHUNK = 256;
/** As `ringmem watch` batches a fast producer's lines. */
export const STREAM_BATCH = 64;

export async function embedLines(
  embedder: Embedder,
  lines: readonly string[],
  raw = false,
): Promise<Float32Array> {
  const out = new Float32Array(lines.length * embedder.dim);
  for (let i = 0; i < lines.length; i += EMBED_CHUNK) {
    const part = lines.slice(i, i + EMBED_CHUNK).map((l) => (raw ? l : maskLogLine(l)));
    out.set(await embedder.embed(part, 'passage'), i * embedder.dim);
  }
  return out;
}

/** One report per line, in order, from a fresh engine built with `config`. */
export function streamReports(
  vectors: Float32Array,
  lines: readonly string[],
  config: EngineConfig,
  namespace = 'bench',
): AnomalyReport[] {
  const engine = new MemoryEngine(config);
  const dim = config.dim;
  const reports: AnomalyReport[] = [];
  for (let i = 0; i < lines.length; i += STREAM_BATCH) {
    const end = Math.min(lines.length, i + STREAM_BATCH);
    const res = engine.insert(
      namespace,
      vectors.subarray(i * dim, end * dim),
      lines.slice(i, end).map((text) => ({ text })),
      { score: true },
    );
    reports.push(...res.anomalies!);
  }
  return reports;
}

/**
 * The rule ringmem shipped before issue 18, from the components every report still carries:
 * logistic(z − 1.5) damped towards 0 as the nearest entry's similarity goes from 0.9 to 1.
 */
export function previousRuleScore(a: AnomalyReport): number {
  if (a.zScore === null) return 0;
  const near = a.nearest?.similarity;
  const damping = near !== undefined && near > 0.9 ? Math.max(0, (1 - near) / 0.1) : 1;
  return damping / (1 + Math.exp(-(a.zScore - 1.5)));
}
