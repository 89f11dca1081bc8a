import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { MemoryEngine } from '../src/engine/index.js';
import { JsKernel } from '../src/kernel/index.js';
import { seededUnitRows } from '../src/seeded-rows.js';

const DIM = 8;

describe('--precision', () => {
  it('defaults to f32 with no per-namespace precisions', () => {
    expect(loadConfig({}, {}).precision).toEqual({ default: 'f32', namespaces: {} });
  });

  it('reads the server precision and name=precision items, from the flag or RINGMEM_PRECISION', () => {
    expect(loadConfig({ '--precision': 'int8' }, {}).precision).toEqual({
      default: 'int8',
      namespaces: {},
    });
    expect(loadConfig({ '--precision': ' F16 , Logs.app=INT8,chat:1=f32' }, {}).precision).toEqual({
      default: 'f16',
      namespaces: { 'Logs.app': 'int8', 'chat:1': 'f32' },
    });
    expect(loadConfig({}, { RINGMEM_PRECISION: 'f16,logs=int8' }).precision).toEqual({
      default: 'f16',
      namespaces: { logs: 'int8' },
    });
    // The flag wins over the variable.
    expect(
      loadConfig({ '--precision': 'f32' }, { RINGMEM_PRECISION: 'int8' }).precision.default,
    ).toBe('f32');
  });

  it.each([
    ['f64', /"f64" is not a precision: expected f32, f16, int8/],
    ['', /"" is not a precision/],
    ['logs=int8', /"logs=int8" is not a precision/],
    ['f16,logs', /"logs" needs the form name=precision/],
    ['f16,logs=int4', /namespace logs: "int4" is not one of f32, f16, int8/],
    ['f16,bad name=int8', /"bad name" is not a namespace name/],
    ['f16,logs=int8,logs=f32', /namespace logs is given twice/],
  ])('refuses %j with a message that says what is accepted', (value, message) => {
    let error: unknown;
    try {
      loadConfig({ '--precision': value }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^--precision=/);
    expect((error as Error).message).toMatch(message);
  });
});

describe('engine precision per namespace', () => {
  const make = (maxBytes?: number) =>
    new MemoryEngine({
      dim: DIM,
      capacity: 1000,
      kernel: new JsKernel(),
      precision: 'f16',
      namespacePrecision: { logs: 'int8', exact: 'f32' },
      maxBytes,
    });

  it('gives a namespace its own precision, else the server one, and an explicit one at creation', () => {
    const e = make();
    const rows = seededUnitRows(3, DIM, 1);
    for (const ns of ['logs', 'exact', 'notes']) e.insert(ns, rows);
    e.configureNamespace('pinned', { precision: 'int8', capacity: 10 });
    const of = (ns: string) => e.stats(ns)[0]!.precision;
    expect([of('logs'), of('exact'), of('notes'), of('pinned')]).toEqual([
      'int8',
      'f32',
      'f16',
      'int8',
    ]);
  });

  it('fixes precision at creation: reconfiguring to another one says so, the same one is fine', () => {
    const e = make();
    e.insert('notes', seededUnitRows(1, DIM, 2));
    expect(() => e.configureNamespace('notes', { precision: 'int8' })).toThrow(
      /namespace "notes" already exists with precision f16; precision is fixed at creation/,
    );
    expect(() => e.configureNamespace('notes', { precision: 'f16', ttlMs: 1000 })).not.toThrow();
    expect(() => e.configureNamespace('other', { precision: 'f8' as unknown as 'f16' })).toThrow(
      /precision must be one of f32, f16, int8, got "f8"/,
    );
  });

  it('refuses a bad precision or namespace name in the engine configuration', () => {
    const base = { dim: DIM, kernel: new JsKernel() };
    expect(() => new MemoryEngine({ ...base, precision: 'half' as unknown as 'f16' })).toThrow(
      /precision must be one of/,
    );
    expect(() => new MemoryEngine({ ...base, namespacePrecision: { 'a b': 'f16' } })).toThrow(
      /invalid namespace "a b"/,
    );
  });

  it('counts bytes at the precision: bytes per record and the window against --max-bytes', () => {
    const e = make();
    const rows = seededUnitRows(300, DIM, 3);
    for (const ns of ['exact', 'notes', 'logs']) e.insert(ns, rows);
    const stat = (ns: string) => e.stats(ns)[0]!;
    // Vector bytes: f32 4·dim, f16 2·dim, int8 dim + 4 (scale) + 2·dim (the f16 copy it rescores from).
    const slot = 50;
    expect(stat('exact').bytesPerRecord).toBe(4 * DIM + slot);
    expect(stat('notes').bytesPerRecord).toBe(2 * DIM + slot);
    expect(stat('logs').bytesPerRecord).toBe(3 * DIM + 4 + slot);
    // 300 rows sit in a ring grown to 512 slots.
    expect(stat('notes').bytes).toBe(512 * (2 * DIM + slot));
    expect(e.totalBytes()).toBe(512 * (4 * DIM + 2 * DIM + 3 * DIM + 4 + 3 * slot));
  });

  it('lets an f16 namespace hold what an f32 one could not under the same byte cap', () => {
    // Room for 1000 f16 slots, not for 1000 f32 ones.
    const cap = 1000 * (2 * DIM + 50) + 4096;
    const f32 = new MemoryEngine({
      dim: DIM,
      capacity: 1000,
      kernel: new JsKernel(),
      maxBytes: cap,
    });
    const f16 = new MemoryEngine({
      dim: DIM,
      capacity: 1000,
      kernel: new JsKernel(),
      precision: 'f16',
      maxBytes: cap,
    });
    const rows = seededUnitRows(1000, DIM, 4);
    expect(() => f32.insert('ns', rows)).toThrow(/memory cap/);
    expect(f16.insert('ns', rows).ids).toHaveLength(1000);
  });
});
