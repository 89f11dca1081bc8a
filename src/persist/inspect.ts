import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import { LOCK_FILE, listLogs, SNAPSHOT_FILE } from './files.js';
import { type FileHeader, FORMAT_NAME, RecordType, readJson, scanRecords } from './format.js';

/**
 * A read-only look at a persistence directory for `ringmem doctor`: whether a server could open
 * it with this model, who holds it, and how big it is. Changes nothing (no lock, no truncation).
 */
export function inspectPersistDir(
  dir: string,
  model: string,
  dim: number,
): { ok: boolean; detail: string } {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch {
    return { ok: true, detail: `${dir} does not exist yet; it is created (0700) on first start` };
  }
  if (!st.isDirectory()) return { ok: false, detail: `${dir} is not a directory` };
  const problems: string[] = [];
  if ((st.mode & 0o077) !== 0) {
    problems.push(
      `readable by other users (mode ${(st.mode & 0o777).toString(8)}): chmod 700 ${dir}`,
    );
  }
  let bytes = 0;
  const files = [SNAPSHOT_FILE, ...listLogs(dir).map((l) => l.name)];
  for (const name of files) {
    let buf: Buffer;
    try {
      buf = readFileSync(join(dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      problems.push(`${name}: ${describeError(error)}`);
      continue;
    }
    bytes += buf.length;
    const scan = scanRecords(buf);
    const first = scan.records[0];
    const header =
      first?.type === RecordType.Header
        ? (readJson(first.payload) as Partial<FileHeader>)
        : undefined;
    if (!header || header.format !== FORMAT_NAME) {
      problems.push(`${name} is not a ringmem file`);
    } else if (header.model !== model || header.dim !== dim) {
      problems.push(
        `${name} was written with model ${header.model} (${header.dim} dims), not ${model} (${dim} dims)`,
      );
    }
    if (scan.stop) {
      problems.push(
        name === SNAPSHOT_FILE
          ? `${name} is corrupt (${scan.stop}); a server will refuse it`
          : `${name} ends with ${buf.length - scan.goodEnd} unreadable bytes (${scan.stop}); the next start drops them`,
      );
    }
  }
  let holder = '';
  try {
    holder = `; in use by pid ${readFileSync(join(dir, LOCK_FILE), 'utf8').trim()}`;
  } catch {
    // Not locked: no server has it open.
  }
  const size = `${(bytes / 1024 ** 2).toFixed(1)} MB in ${dir}${holder}`;
  return problems.length > 0
    ? { ok: false, detail: `${problems.join('; ')} (${size})` }
    : { ok: true, detail: size };
}
