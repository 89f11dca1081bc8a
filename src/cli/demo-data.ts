/**
 * The sample `ringmem demo` remembers: a short agent session and a stretch of service logs with a
 * few odd lines in it. Written for the demo (no third-party data), so it ships with the package.
 */

export const AGENT_SESSION: { minutesAgo: number; text: string }[] = [
  { minutesAgo: 180, text: 'User: my name is Priya and I maintain the billing service.' },
  { minutesAgo: 175, text: 'User prefers TypeScript examples and short answers without emojis.' },
  {
    minutesAgo: 170,
    text: 'Decision: we will migrate the invoice PDFs from S3 to the new object store next sprint.',
  },
  {
    minutesAgo: 95,
    text: 'Tool result: the staging deploy of billing-api v2.14.0 failed because the DATABASE_URL secret was missing.',
  },
  {
    minutesAgo: 90,
    text: 'Fixed: added DATABASE_URL to the staging secrets; redeploy succeeded at 10:42.',
  },
  {
    minutesAgo: 60,
    text: 'User asked to keep the nightly reconciliation job on UTC, not local time.',
  },
  {
    minutesAgo: 40,
    text: 'Observation: p99 latency of /invoices rose from 180 ms to 900 ms after the cache TTL change.',
  },
  {
    minutesAgo: 35,
    text: 'Rolled back the cache TTL from 5 s to 60 s; /invoices p99 back to 200 ms.',
  },
  { minutesAgo: 20, text: 'Open question: should refunds above 500 EUR need a second approver?' },
  {
    minutesAgo: 5,
    text: 'User will be on holiday from 3 to 14 March; Marco covers billing on-call.',
  },
];

/**
 * Questions phrased differently from the notes they should find. The built-in model is a static
 * (bag-of-words) model: it matches shared and related words, not deep paraphrase; with
 * bge-small (`--model bge-small`) questions can drift further from the wording.
 */
export const QUESTIONS = [
  'Why did the staging deploy fail?',
  'Who covers billing on-call during the holiday?',
  'What happened to the invoices latency?',
  'Which timezone should the reconciliation job use?',
  'Where will the invoice PDFs be stored?',
];

const NORMAL_TEMPLATES = [
  (i: number) =>
    `INFO  api  GET /invoices/${4100 + i} 200 ${38 + (i % 7) * 3}ms user=${1000 + (i % 13)}`,
  (i: number) =>
    `INFO  api  POST /payments 201 ${61 + (i % 5) * 4}ms amount=${(i * 37) % 400}.00 EUR`,
  (i: number) =>
    `INFO  worker  reconciliation batch ${i} processed ${200 + (i % 9) * 10} rows in ${1 + (i % 3)}.${i % 10}s`,
  (i: number) =>
    `DEBUG cache  hit ratio ${(0.91 + (i % 6) / 100).toFixed(2)} for invoices namespace`,
  (_i: number) => `INFO  api  GET /health 200 2ms`,
];

/** Routine lines in the demo log stream: enough for the anomaly rule's warm-up and calibration. */
const DEMO_LOG_LINES = 150;

/**
 * The odd lines and where they arrive: after the warm-up (the rule needs a window of 16 and then
 * 50 scored arrivals to calibrate against, about 66 lines), spread over the rest of the stream.
 */
const ODD_LINES: Record<number, string> = {
  104: 'ERROR db  connection pool exhausted: 50 of 50 connections busy, request waited 30000ms',
  125: 'WARN  auth  login failed for user admin from 203.0.113.77: too many attempts, account locked',
  143: 'FATAL worker  out of memory while rendering invoice PDF batch, process killed by OOM killer',
};

/** 150 log lines: five kinds of routine traffic, with three odd ones among them. */
export function demoLogLines(): { text: string; odd: boolean }[] {
  const lines: { text: string; odd: boolean }[] = [];
  for (let i = 0; i < DEMO_LOG_LINES; i++) {
    const odd = ODD_LINES[i];
    if (odd) lines.push({ text: odd, odd: true });
    else lines.push({ text: NORMAL_TEMPLATES[i % NORMAL_TEMPLATES.length]!(i), odd: false });
  }
  return lines;
}
