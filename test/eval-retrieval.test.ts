import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemory } from '../src/create-memory.js';
import type { Memory } from '../src/memory.js';
import { evaluateMode, loadTask, rememberTask } from '../tools/eval-retrieval-lib.js';
import { sharedPath } from './helpers/shared.js';

const LOCOMO = sharedPath('data', 'locomo_dev');
const SCIFACT = sharedPath('data', 'scifact_train');
const present = existsSync(LOCOMO) && existsSync(SCIFACT);
if (!present) {
  console.warn(
    `[eval-retrieval] shared data not found at ${LOCOMO} / ${SCIFACT}: skipping the retrieval evaluation tests`,
  );
}

describe.skipIf(!present)('npm run eval:retrieval', () => {
  const out = mkdtempSync(join(tmpdir(), 'ringmem-eval-'));
  const open: Memory[] = [];
  afterAll(async () => {
    for (const m of open) await m.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('prints lexical, semantic and hybrid side by side for a LoCoMo slice and writes the result files', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/eval-retrieval.ts', LOCOMO, '--queries', '40', '--out', out],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| mode \| hit@5 \| hit@10 \| recall p50 ms \|/);
    for (const mode of ['lexical', 'semantic', 'hybrid']) expect(r.stdout).toContain(`| ${mode} |`);
    const json = JSON.parse(readFileSync(join(out, 'retrieval-locomo_dev.json'), 'utf8'));
    expect(json.questions).toBe(40);
    expect(json.model).toBe('ringmem-builtin-en-2');
    for (const m of json.modes) {
      expect(m.metrics['hit@5']).toBeGreaterThanOrEqual(0);
      expect(m.metrics['hit@10']).toBeGreaterThanOrEqual(m.metrics['hit@5']);
      expect(m.metrics['hit@10']).toBeLessThanOrEqual(1);
    }
  }, 150_000);

  it('scores a BEIR slice by nDCG@10 and recall@10 through the Memory API, the words finding what they share with the claims', async () => {
    const task = loadTask(SCIFACT, { queries: 30, docs: 300 });
    expect(task.kind).toBe('beir');
    expect(task.questions).toHaveLength(30);
    const capacity = task.namespaces[0]!.docs.length;
    const memory = await createMemory({ model: 'builtin', capacity, ttl: 'none' });
    open.push(memory);
    const ids = await rememberTask(memory, task);
    const lexical = await evaluateMode(memory, task, ids, 'lexical');
    const hybrid = await evaluateMode(memory, task, ids, 'hybrid');
    for (const r of [lexical, hybrid]) {
      expect(r.metrics['ndcg@10']).toBeGreaterThan(0);
      expect(r.metrics['ndcg@10']).toBeLessThanOrEqual(1);
      expect(r.metrics['recall@10']).toBeLessThanOrEqual(1);
    }
    // 30 claims over ~330 abstracts holding their evidence: BM25 finds most of it.
    expect(lexical.metrics['recall@10']).toBeGreaterThan(0.5);
  }, 120_000);
});
