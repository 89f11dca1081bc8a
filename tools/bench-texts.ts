/**
 * Distinct log-like lines for the MCP benchmarks (bench:mcp, bench:call-path), seeded so both send
 * the same texts. Distinct, because the embedder caches: repeats would flatter the server.
 */
const SERVICES = ['api', 'auth', 'billing', 'search', 'worker', 'gateway', 'scheduler', 'cache'];
const EVENTS = [
  'request served in {n} ms for user {u}',
  'connection from 10.0.{a}.{b} accepted on port {p}',
  'cache miss for key session:{u}, fetched in {n} ms',
  'retrying job {j} after timeout ({n} ms)',
  'disk usage at {a}% on volume /data{b}',
  'user {u} logged in from region eu-{a}',
  'queue depth {n}, {j} workers busy',
  'deploy of release 1.{a}.{b} finished on host web-{p}',
];

export function textGen(seed: number): () => string {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  let i = 0;
  return () => {
    const svc = SERVICES[next() % SERVICES.length];
    const ev = EVENTS[next() % EVENTS.length]!.replace('{n}', String(next() % 5000))
      .replace('{u}', String(next() % 100_000))
      .replace('{a}', String(next() % 256))
      .replace('{b}', String(next() % 256))
      .replace('{p}', String(1000 + (next() % 9000)))
      .replace('{j}', String(next() % 10_000));
    return `${svc} #${i++}: ${ev}`;
  };
}
