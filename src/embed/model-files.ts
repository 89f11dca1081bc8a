import { fetchCommand as fetchHint, verifyCommand as verifyHint } from '../models/hints.js';
import type { ModelFile, ModelManifest } from '../models/manifest.js';
import { checkFile, NOT_A_FILE } from '../models/verify.js';
import { EmbedError } from './errors.js';

/**
 * Cheap checks of a model directory before anything is parsed: every file the manifest lists
 * exists and has exactly the manifest's size (the same check as model resolution's). The sha256
 * is left to `ringmem models verify` (hashing 90 MB on every start would delay the first
 * embedding); a same-size corrupt file is caught when onnxruntime or the tokenizer fails to
 * parse it.
 */

export function fetchCommand(manifest: ModelManifest): string {
  return fetchHint(manifest.id);
}

export function verifyCommand(manifest: ModelManifest): string {
  return verifyHint(manifest.id);
}

/**
 * Absolute path of a manifest file inside the model directory, after the size check shared with
 * model resolution (checkFile in src/models/verify.ts), worded for the embedder: a missing file,
 * a short one (an interrupted download) and one of another size each get their own code.
 */
export async function checkModelFile(
  modelDir: string,
  file: ModelFile,
  manifest: ModelManifest,
): Promise<string> {
  const check = checkFile(modelDir, file.path, file);
  const path = check.absolutePath;
  if (check.status === 'present') return path;
  if (check.status === 'missing') {
    if (check.detail === NOT_A_FILE) {
      throw new EmbedError(
        'MODEL_CORRUPT',
        `model file ${path} is not a regular file: remove it and run \`${fetchCommand(manifest)}\``,
        { file: path },
      );
    }
    throw new EmbedError(
      'MODEL_MISSING',
      `model file not found at ${path}: run \`${fetchCommand(manifest)}\``,
      { file: path },
    );
  }
  const size = check.actualBytes as number;
  if (size < file.bytes) {
    throw new EmbedError(
      'MODEL_TRUNCATED',
      `model file ${path} is truncated: ${size} of ${file.bytes} bytes ` +
        `(an interrupted download?); run \`${fetchCommand(manifest)}\` to complete it`,
      { file: path },
    );
  }
  throw new EmbedError(
    'MODEL_CORRUPT',
    `model file ${path} has ${size} bytes but the manifest expects ${file.bytes}: ` +
      `run \`${verifyCommand(manifest)}\``,
    { file: path },
  );
}

/** Checks every file the manifest lists; returns the model and tokenizer paths. */
export async function checkModelDir(
  modelDir: string,
  manifest: ModelManifest,
): Promise<{ model: string; tokenizer: string }> {
  const paths = new Map<string, string>();
  for (const [role, file] of Object.entries(manifest.files)) {
    paths.set(role, await checkModelFile(modelDir, file, manifest));
  }
  return { model: paths.get('model')!, tokenizer: paths.get('tokenizer')! };
}
