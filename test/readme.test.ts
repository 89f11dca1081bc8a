import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ANOMALY_CONFIG as A } from '../src/engine/anomaly.js';
import { renderConfigTable, renderToolReference } from '../tools/docs-reference.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function section(name: string): string {
  const start = `<!-- ${name}:start -->\n`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(`\n<!-- ${name}:end -->`);
  return readme.slice(i + start.length, j);
}

describe('README', () => {
  it('has the tool reference generated from the current zod schemas (run `npm run docs` when this fails)', () => {
    expect(section('tools')).toBe(renderToolReference());
  });

  it('has the configuration table generated from the current settings (run `npm run docs` when this fails)', () => {
    expect(section('config')).toBe(renderConfigTable());
  });

  it('states the anomaly rule with the defaults the engine uses', () => {
    const text = readme.replace(/\s+/g, ' ');
    expect(text).toContain(`max(σ, ${A.sigmaFloor})`);
    expect(text).toContain(`logistic(z − ${A.zThreshold})`);
    expect(text).toContain(`(similarity > ${A.nearestThreshold}`);
    expect(text).toContain(`(k = ${A.k})`);
    expect(text).toContain(
      `(1 − s_k) + ${A.countWeight} · (1 − dense_count / ${A.k}) + ${A.centroidWeight} · novelty`,
    );
    expect(text).toContain(`(similarity ≥ ${A.denseThreshold})`);
    expect(text).toContain(`with α = ${A.alpha}`);
    expect(text).toContain(
      `at least ${A.minWindow} entries and has calibrated 1/α = ${Math.ceil(1 / A.alpha)} arrivals`,
    );
    expect(text).toContain(
      `at most ${A.burstGapEntries} arrivals and ${A.burstGapMs / 1000} s old`,
    );
  });

  it('has no unfilled placeholder sections', () => {
    expect(readme).not.toMatch(/[A-Z]+_SECTION|TODO|TBD/);
  });

  it('opens with the install-and-run command and the test command', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toContain('npm install && npm run demo');
    expect(firstBlock).toContain('npm test');
  });
});
