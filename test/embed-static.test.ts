import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createOnnxEmbedder, type OnnxEmbedder } from '../src/embed/index.js';
import { l2NormalizeRowsInPlace } from '../src/embed/pool.js';
import { readStaticModel, StaticRunner } from '../src/embed/static-model.js';
import { padBatch } from '../src/embed/tokenize.js';
import { parseManifest } from '../src/models/manifest.js';
import { getTestModel } from './helpers/test-model.js';

const BUILTIN_DIR = fileURLToPath(new URL('../models/builtin', import.meta.url));
const builtinManifest = join(BUILTIN_DIR, 'manifest.json');
if (!existsSync(builtinManifest)) {
  console.warn(`skipping the static-model fast path tests: ${builtinManifest} is absent`);
}

const open: OnnxEmbedder[] = [];
afterAll(async () => {
  await Promise.all(open.map((e) => e.close()));
});

describe('static-model recognition', () => {
  it('does not take a transformer (BERT) model for a static one', () => {
    const tiny = getTestModel({ tiny: true });
    expect(readStaticModel(join(tiny.dir, tiny.manifest.files.model!.path))).toBeNull();
  });

  it('returns null for a file that is not an ONNX model', () => {
    expect(readStaticModel(fileURLToPath(import.meta.url))).toBeNull();
  });
});

describe.skipIf(!existsSync(builtinManifest))(
  'static-model fast path on the built-in model',
  () => {
    const manifest = () =>
      parseManifest(JSON.parse(readFileSync(builtinManifest, 'utf8')), builtinManifest);
    const make = (staticFastPath: boolean) => {
      const e = createOnnxEmbedder({
        modelDir: BUILTIN_DIR,
        manifest: manifest(),
        staticFastPath,
        cacheSize: 0,
      });
      open.push(e);
      return e;
    };

    it('recognises the built-in graph and reads its int8 table', () => {
      const m = readStaticModel(join(BUILTIN_DIR, manifest().files.model!.path));
      expect(m).not.toBeNull();
      expect(m!.dim).toBe(manifest().dim);
      expect(m!.rows.length).toBe(m!.vocab * m!.dim);
    });

    it('gives the vectors onnxruntime gives, for any text and batch', async () => {
      const fast = make(true);
      const ort = make(false);
      await Promise.all([fast.ready, ort.ready]);
      expect(fast.stats().staticFastPath).toBe(true);
      expect(ort.stats().staticFastPath).toBe(false);
      const fixed = [
        'the cat sat on the mat',
        'ERROR 503 from payment-service after 30s (retry 3/5)',
        'Café 😀 東京 naïve résumé',
        'word '.repeat(600),
        'x',
      ];
      const texts = fc.sample(
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 80 }),
          fc.lorem({ maxCount: 40 }),
          fc.stringMatching(/^[a-z0-9 .:/#-]{1,120}$/),
        ),
        { numRuns: 300, seed: 17 },
      );
      const usable = texts.filter((t) => /[\p{L}\p{N}\p{P}\p{S}]/u.test(t));
      const worstDiff = (a: Float32Array, b: Float32Array) => {
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
        return worst;
      };
      // One text per call: what the embedder sends down the fast path (short batches).
      for (const t of [...fixed, ...usable.slice(0, 60)]) {
        const a = await fast.embedWithInfo([t], 'query').catch((e: Error) => e);
        const b = await ort.embedWithInfo([t], 'query').catch((e: Error) => e);
        if (a instanceof Error || b instanceof Error) {
          // Texts the tokenizer cannot encode fail the same way on both paths.
          expect(String(a)).toBe(String(b));
          continue;
        }
        expect(a.tokenCounts).toEqual(b.tokenCounts);
        expect(worstDiff(a.vectors, b.vectors)).toBeLessThan(1e-6);
      }
      // The runner itself on whole padded batches, long texts included, against onnxruntime.
      const runner = new StaticRunner(readStaticModel(join(BUILTIN_DIR, 'model.onnx'))!);
      const tokenizer = fast.tokenizer!;
      const encodable = [...fixed, ...usable].filter((t) => tokenizer.encode(t, 256) !== null);
      for (let start = 0; start < encodable.length; start += 37) {
        const part = encodable.slice(start, start + 37);
        const batch = padBatch(
          part.map((t) => tokenizer.encode(t, fast.maxTokens)!.ids),
          tokenizer.padId,
        );
        const out = runner.run(batch);
        expect(out.dims).toEqual([part.length, fast.dim]);
        const mine = out.data.slice();
        l2NormalizeRowsInPlace(mine, fast.dim, 0, part.length);
        const ref = await ort.embed(part, 'passage');
        expect(worstDiff(mine, ref)).toBeLessThan(1e-6);
      }
      expect(fast.stats().sessionRuns).toBeGreaterThan(0);
    });
  },
);
