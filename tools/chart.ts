// Renders bench-results/scan.json as an SVG bar chart (p50 latency per contender and size, log
// scale) for the README. Run by `npm run bench:scan` at its end; alone: `npx tsx tools/chart.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Contender {
  name: string;
  p50Us: number;
  p99Us: number;
}
interface ScanJson {
  machine: {
    cpu?: string;
    cores?: number;
    node?: string;
    date?: string;
    loadAverage1m?: number;
  } & Record<string, unknown>;
  dim: number;
  k: number;
  results: { rows: number; contenders: Contender[] }[];
}

const COLORS: Record<string, string> = {
  ringmem: '#d9480f',
  usearch: '#1c7ed6',
  hnswlib: '#2f9e44',
  plain: '#868e96',
};

function colorOf(name: string): string {
  if (name.startsWith('ringmem native') && !name.includes('scalar')) return COLORS.ringmem!;
  if (name.startsWith('ringmem')) return '#ffa94d';
  if (name.startsWith('usearch')) return COLORS.usearch!;
  if (name.startsWith('hnswlib')) return COLORS.hnswlib!;
  return COLORS.plain!;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmtUs(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(us >= 10_000 ? 0 : 1)} ms` : `${us.toFixed(0)} µs`;
}

export function renderScanSvg(json: ScanJson): string {
  const width = 860;
  const left = 210;
  const right = 90;
  const barH = 16;
  const gap = 4;
  const groupGap = 34;
  const top = 78;
  const all = json.results.flatMap((r) => r.contenders.map((c) => c.p50Us));
  const lo = Math.log10(Math.max(1, Math.min(...all) / 2));
  const hi = Math.log10(Math.max(...all) * 1.2);
  const x = (us: number) => left + ((Math.log10(us) - lo) / (hi - lo)) * (width - left - right);
  let y = top;
  const parts: string[] = [];
  for (const r of json.results) {
    parts.push(
      `<text x="12" y="${y - 8}" font-weight="bold">${r.rows.toLocaleString('en-US')} × ${json.dim} (top-${json.k}, one query, p50)</text>`,
    );
    for (const c of r.contenders) {
      const w = Math.max(2, x(c.p50Us) - left);
      parts.push(
        `<text x="${left - 8}" y="${y + barH - 4}" text-anchor="end">${esc(c.name)}</text>`,
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colorOf(c.name)}"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + barH - 4}">${fmtUs(c.p50Us)}</text>`,
      );
      y += barH + gap;
    }
    y += groupGap;
  }
  const m = json.machine;
  const load = m.loadAverage1m === undefined ? '' : `, load average ${m.loadAverage1m} at start`;
  const subtitle = `${m.cpu ?? 'unknown CPU'}, ${m.cores ?? '?'} cores, Node ${m.node ?? '?'}, ${(m.date ?? '').slice(0, 10)}${load} — lower is better, log scale`;
  const height = y - groupGap + 20;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">Brute-force top-k scan: ringmem vs usearch and hnswlib-node</text>`,
    `<text x="12" y="40" fill="#555">${esc(subtitle)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

const here = path.dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && path.resolve(process.argv[1]) === path.join(here, 'chart.ts')) {
  const dir = process.argv[2] ?? path.join(here, '..', 'bench-results');
  const json = JSON.parse(readFileSync(path.join(dir, 'scan.json'), 'utf8')) as ScanJson;
  writeFileSync(path.join(dir, 'scan.svg'), `${renderScanSvg(json)}\n`);
  console.log(`wrote ${path.join(dir, 'scan.svg')}`);
}
