// Reads the Loghub 2k samples (`../shared/data/loghub_2k/<System>/`): raw lines and, from the
// structured CSV, each line's ground-truth template id. Nothing here is shipped or needed by the
// tests of a fresh clone: callers check the directory exists first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LogSystem {
  name: string;
  /** Raw lines in file order (blank lines dropped; 13 files lack a final newline). */
  lines: string[];
  /** The EventId of each line (same order), e.g. "E27". */
  templates: string[];
}

/** Splits one CSV record (RFC 4180 quoting: "" inside quotes is a quote). */
export function parseCsvRow(row: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < row.length; i++) {
    const ch = row[i];
    if (quoted) {
      if (ch === '"' && row[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function nonBlankLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

export function readLogSystem(dir: string, name: string): LogSystem {
  const lines = nonBlankLines(readFileSync(join(dir, name, `${name}_2k.log`), 'utf8'));
  const rows = nonBlankLines(
    readFileSync(join(dir, name, `${name}_2k.log_structured.csv`), 'utf8'),
  ).slice(1);
  // EventId is always the second-to-last column; earlier columns differ per system.
  const templates = rows.map((r) => {
    const f = parseCsvRow(r);
    return f[f.length - 2] ?? '';
  });
  if (templates.length !== lines.length) {
    throw new Error(
      `${name}: ${lines.length} log lines but ${templates.length} structured rows; the sample looks damaged`,
    );
  }
  return { name, lines, templates };
}

/** Every system under `dir` (a folder holding `<S>/<S>_2k.log`), sorted by name. */
export function readLoghub(dir: string): LogSystem[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, `${d.name}_2k.log`)))
    .map((d) => d.name)
    .sort()
    .map((name) => readLogSystem(dir, name));
}
