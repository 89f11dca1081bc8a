import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ModelManifest, parseManifest } from '../../src/models/manifest.js';
import type { BertConfig } from '../../tools/onnx/bert.js';
import { defaultTokenizerDir, generateTestModelAtomically } from '../../tools/onnx/test-model.js';

/**
 * Generated test models, cached under test/.generated/ by a content key (generator sources,
 * tokenizer bytes, options), so repeated test runs reuse them and a changed generator makes a new
 * one. Generation takes a few seconds for the full MiniLM shape, well under one for the tiny one.
 */

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
export const GENERATED_ROOT = join(repoRoot, 'test', '.generated');

export interface TestModel {
  /** The model directory (also `<GENERATED_ROOT>/<id>` for transformers.js). */
  dir: string;
  /** Directory name, the model id transformers.js is given. */
  hfId: string;
  manifest: ModelManifest;
  int8Manifest: ModelManifest | null;
  tokenizer: 'real' | 'small';
}

export interface TestModelRequest {
  /** Use the small built-in vocabulary even when the real tokenizer is present. */
  smallVocab?: boolean;
  /** A tiny architecture (2 layers, hidden 32) for fast plumbing tests. */
  tiny?: boolean;
  tokenTypeIds?: boolean;
  int8?: boolean;
  maxTokens?: number;
}

const TINY: Partial<BertConfig> = {
  hiddenSize: 32,
  numLayers: 2,
  numHeads: 4,
  intermediateSize: 64,
};

/** Set RINGMEM_TEST_SMALL_VOCAB=1 to test as on a fresh clone without ../shared/models. */
const forceSmallVocab = process.env.RINGMEM_TEST_SMALL_VOCAB === '1';

export function getTestModel(request: TestModelRequest = {}): TestModel {
  const tokenizerDir = request.smallVocab || forceSmallVocab ? null : defaultTokenizerDir();
  const options = {
    tokenizerDir,
    int8: request.int8 ?? !request.tiny,
    tokenTypeIds: request.tokenTypeIds ?? true,
    ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
    ...(request.tiny ? { config: TINY } : {}),
  };
  const hash = createHash('sha256');
  const sourceDir = join(repoRoot, 'tools', 'onnx');
  for (const f of readdirSync(sourceDir).sort())
    hash.update(f).update(readFileSync(join(sourceDir, f)));
  hash.update(tokenizerDir === null ? 'small' : readFileSync(join(tokenizerDir, 'tokenizer.json')));
  hash.update(JSON.stringify(options));
  const key = hash.digest('hex').slice(0, 12);
  const name = `${request.tiny ? 'tiny' : 'minilm-shape'}-${key}`;
  const dir = join(GENERATED_ROOT, name);
  if (!existsSync(join(dir, 'manifest.json'))) {
    generateTestModelAtomically({ ...options, outDir: dir });
  }
  const read = (file: string): ModelManifest | null => {
    const path = join(dir, file);
    return existsSync(path) ? parseManifest(JSON.parse(readFileSync(path, 'utf8')), path) : null;
  };
  return {
    dir,
    hfId: basename(dir),
    manifest: read('manifest.json')!,
    int8Manifest: read('manifest.int8.json'),
    tokenizer: tokenizerDir === null ? 'small' : 'real',
  };
}

/** Whether the real all-MiniLM-L6-v2 tokenizer files are on this machine. */
export function hasRealTokenizer(): boolean {
  return !forceSmallVocab && defaultTokenizerDir() !== null;
}
