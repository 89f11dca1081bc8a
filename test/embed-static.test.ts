import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createOnnxEmbedder, type OnnxEmbedder } from '../src/embed/index.js';
import { readStaticModel } from '../src/embed/static-model.js';
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
      for (const batch of [fixed, usable.slice(0, 1), usable.slice(1, 40), usable.slice(40)]) {
        const a = await fast.embedWithInfo(batch, 'passage').catch((e: Error) => e);
        const b = await ort.embedWithInfo(batch, 'passage').catch((e: Error) => e);
        if (a instanceof Error || b instanceof Error) {
          // Texts the tokenizer cannot encode fail the same way on both paths.
          expect(String(a)).toBe(String(b));
          continue;
        }
        expect(a.tokenCounts).toEqual(b.tokenCounts);
        expect(a.truncated).toEqual(b.truncated);
        let worst = 0;
        for (let i = 0; i < a.vectors.length; i++) {
          worst = Math.max(worst, Math.abs(a.vectors[i]! - b.vectors[i]!));
        }
        expect(worst).toBeLessThan(1e-6);
      }
      expect(fast.stats().sessionRuns).toBeGreaterThan(0);
    });
  },
);
