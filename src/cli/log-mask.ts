/**
 * Masks the variable parts of a log line — timestamps, numbers, ids, addresses, hex — so that
 * lines of the same template embed alike and a new kind of line stands out. (The same idea as
 * the preprocessing of log parsers such as Drain: a token holding a digit is a parameter.)
 * Only the text that is embedded is masked; the stored and printed line stays as it was.
 */
export function maskLogLine(line: string): string {
  return line
    .split(/(\s+)/)
    .map((token) => (/\d/.test(token) ? keepPunctuation(token) : token))
    .join('');
}

/** `src:` stays `src:`; `/10.0.0.1:50010` becomes `<*>`; `(pid=42)` becomes `(<*>)`. */
function keepPunctuation(token: string): string {
  const m = /^([([{"']*)(.*?)([)\]}"',;:.]*)$/.exec(token);
  if (!m) return '<*>';
  return `${m[1]}<*>${m[3]}`;
}
