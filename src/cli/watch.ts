import { createInterface } from 'node:readline';
import type { AnomalyReport } from '../engine/index.js';
import { stderrLogger } from '../log.js';
import type { Memory } from '../memory.js';
import { driftFields, lineAnomalyFields, loopFields } from '../present/anomaly.js';
import { createRuntime } from '../runtime.js';
import { ExecQueue } from './exec-queue.js';
import { parseCommandOrExit, settingsHelp } from './flags.js';
import type { CliIo } from './io.js';
import { maskLogLine } from './log-mask.js';

export const WATCH_HELP = `ringmem watch — score a stream of lines for anomalies as they arrive

Usage:
  tail -f app.log | ringmem watch [--namespace app] [--json] [options]

Each non-empty line of stdin is remembered in the namespace and printed with its verdict, scored
against the lines before it: "ANOMALY", "×N" for the N-th line of a burst repeating a recent
anomaly, "ok", or "warm" while the window is still filling. The score is calibrated: 0.5 means
rarer than all but 2% of the lines the window saw arrive.

Options:
  --namespace <name>             Namespace to remember into (default "watch").
  --json                         One JSON object per line instead of the human rendering.
  --only-anomalies               Print only lines judged anomalous.
  --exec <cmd>                   Run a shell command per anomaly (not per repeat), the line on its
                                 stdin; RINGMEM_ID, RINGMEM_SCORE, RINGMEM_NAMESPACE and
                                 RINGMEM_ANOMALY_JSON in its environment. At most
                                 --exec-concurrency (default 2) at once, 100 waiting (more are
                                 dropped and counted), each killed after 30 s; the stream never
                                 waits for them.
  --raw                          Embed lines as they are. By default the variable parts (tokens
                                 with digits: timestamps, ids, addresses) are masked before
                                 embedding, so lines of one template look alike; the printed and
                                 stored line is always the original.
${settingsHelp()}`;

const BATCH_LINES = 256;
/** How long the end of the stream waits for --exec commands still running. */
const EXEC_GRACE_MS = 10_000;

/** Drift and loops of the namespace when the stream ends, in the shared rendering. */
function summaryOf(memory: Memory, namespace: string): string {
  const { drift, loops } = memory.health(namespace);
  const lines: string[] = [];
  if (drift) {
    const d = driftFields(drift);
    lines.push(
      d.similarity === null
        ? `ringmem watch: drift: too few lines to compare the newest ${d.recent} with the rest`
        : `ringmem watch: drift: newest ${d.recent} lines vs the ${d.rest} before them: similarity ${d.similarity.toFixed(3)}${d.z_score === null ? '' : ` (z ${d.z_score.toFixed(1)} against this window's history${d.z_score >= 3 ? ': the stream has changed topic' : ''})`}`,
    );
  }
  if (loops && loops.recent > 0) {
    const l = loopFields(loops);
    const top = l.groups[0];
    lines.push(
      top
        ? `ringmem watch: loops: ${l.repeated} of the newest ${l.recent} lines repeat another (${(100 * l.share).toFixed(0)}%); most repeated ×${top.count}: ${JSON.stringify((top.text ?? '').slice(0, 120))}`
        : `ringmem watch: loops: none among the newest ${l.recent} lines`,
    );
  }
  return lines.map((l) => `${l}\n`).join('');
}
const BATCH_WAIT_MS = 25;
/** Stop reading when this many lines wait to be embedded (backpressure on fast producers). */
const HIGH_WATER = 4096;

interface Line {
  text: string;
  truncated: boolean;
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
function clipUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return { text, truncated: false };
  const buf = Buffer.from(text, 'utf8').subarray(0, maxBytes);
  // Drop a partial trailing sequence: TextDecoder would turn it into U+FFFD.
  let end = buf.length;
  while (end > 0 && (buf[end - 1]! & 0xc0) === 0x80) end--;
  if (end > 0 && buf[end - 1]! >= 0xc0) end--;
  return { text: buf.subarray(0, end).toString('utf8'), truncated: true };
}

function fmt(x: number | null, digits = 2): string {
  return x === null ? '  – ' : x.toFixed(digits);
}

export async function runWatch(
  argv: string[],
  io: CliIo,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const parsed = parseCommandOrExit(
    'watch',
    argv,
    io,
    {
      namespace: { type: 'string' },
      json: { type: 'boolean' },
      'only-anomalies': { type: 'boolean' },
      raw: { type: 'boolean' },
      exec: { type: 'string' },
      'exec-concurrency': { type: 'string' },
    },
    WATCH_HELP,
  );
  if (typeof parsed === 'number') return parsed;
  const { config, values } = parsed;
  const namespace = typeof values.namespace === 'string' ? values.namespace : 'watch';
  const json = values.json === true;
  const onlyAnomalies = values['only-anomalies'] === true;
  const embedAs = values.raw === true ? undefined : maskLogLine;
  const color = !json && (io.stdout as { isTTY?: boolean }).isTTY === true && !io.env.NO_COLOR;
  const log = stderrLogger(config.logLevel, io.stderr);
  let exec: ExecQueue | undefined;
  if (typeof values.exec === 'string') {
    const concurrency = Number(values['exec-concurrency'] ?? 2);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      io.stderr.write(
        `ringmem watch: --exec-concurrency must be an integer from 1 to 64, got ${values['exec-concurrency']}\n`,
      );
      return 2;
    }
    exec = new ExecQueue(values.exec, {
      concurrency,
      warn: (line) => io.stderr.write(`${line}\n`),
    });
  }

  let memory: Memory;
  try {
    memory = createRuntime(config, log, io.env).memory;
    await memory.ready;
    memory.configureNamespace(namespace);
  } catch (error) {
    io.stderr.write(`ringmem watch: ${(error as Error).message}\n`);
    return 1;
  }

  let outClosed = false;
  io.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // The reader went away (| head): stop quietly, like any well-behaved filter.
    if (error.code === 'EPIPE') outClosed = true;
    else throw error;
  });

  const counts = { lines: 0, anomalies: 0, repeats: 0, skipped: 0, failed: 0 };
  const render = (line: Line, id: number, a: AnomalyReport) => {
    counts.lines++;
    const fields = lineAnomalyFields(id, line.text, a);
    if (a.alarm) {
      counts.anomalies++;
      exec?.push(line.text, {
        RINGMEM_ID: String(id),
        RINGMEM_NAMESPACE: namespace,
        RINGMEM_SCORE: String(fields.score),
        RINGMEM_ANOMALY_JSON: JSON.stringify(fields),
      });
    }
    if (fields.verdict === 'repeat') counts.repeats++;
    // --only-anomalies shows what deserves attention: fresh alarms, not every line of their burst.
    if (onlyAnomalies && !a.alarm) return;
    if (json) {
      io.stdout.write(`${JSON.stringify({ ...fields, truncated: line.truncated })}\n`);
      return;
    }
    const tag =
      fields.verdict === 'warming_up'
        ? 'warm   '
        : a.alarm
          ? 'ANOMALY'
          : fields.verdict === 'repeat'
            ? `×${String(fields.repeat_of!.count).padEnd(6)}`
            : 'ok     ';
    const paint = (s: string) =>
      !color ? s : a.alarm ? `\x1b[1;31m${s}\x1b[0m` : a.warmingUp ? `\x1b[2m${s}\x1b[0m` : s;
    io.stdout.write(
      `${paint(`${tag} ${fmt(a.score)} p=${fmt(a.percentile, 3)}`)} │ ${line.text}${line.truncated ? ' [truncated]' : ''}\n`,
    );
  };

  const process1 = async (batch: Line[]): Promise<void> => {
    let res: Awaited<ReturnType<Memory['remember']>> | undefined;
    try {
      res = await memory.remember(
        batch.map((l) => l.text),
        { namespace, embedAs },
      );
    } catch {
      res = undefined;
    }
    if (res) {
      for (let i = 0; i < batch.length; i++) render(batch[i]!, res.ids[i]!, res.anomalies![i]!);
      return;
    }
    // One bad line must not take its neighbours down: retry singly and report the culprit.
    for (const line of batch) {
      let one: Awaited<ReturnType<Memory['remember']>>;
      try {
        one = await memory.remember([line.text], { namespace, embedAs });
      } catch (error) {
        counts.failed++;
        io.stderr.write(`ringmem watch: line not remembered: ${(error as Error).message}\n`);
        continue;
      }
      render(line, one.ids[0]!, one.anomalies![0]!);
    }
  };

  const rl = createInterface({
    input: stdin,
    crlfDelay: Number.POSITIVE_INFINITY,
    terminal: false,
  });
  const pending: Line[] = [];
  let timer: NodeJS.Timeout | undefined;
  let working: Promise<void> = Promise.resolve();
  let interrupted = false;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    working = working
      .then(() => (outClosed ? undefined : process1(batch)))
      .then(() => {
        if (pending.length < HIGH_WATER) rl.resume();
      });
  };

  const onSigint = () => {
    interrupted = true;
    rl.close();
  };
  process.once('SIGINT', onSigint);

  rl.on('line', (raw) => {
    if (outClosed) return rl.close();
    if (raw.trim() === '') {
      counts.skipped++;
      return;
    }
    pending.push(clipUtf8(raw, config.maxTextBytes));
    if (pending.length >= BATCH_LINES) flush();
    else timer ??= setTimeout(flush, BATCH_WAIT_MS);
    if (pending.length >= HIGH_WATER) rl.pause();
  });
  await new Promise<void>((resolve) => rl.once('close', resolve));
  process.off('SIGINT', onSigint);
  flush();
  await working;
  await exec?.drain(EXEC_GRACE_MS);
  io.stderr.write(summaryOf(memory, namespace));
  await memory.close();
  if (exec) {
    const e = exec.counts;
    io.stderr.write(
      `ringmem watch: --exec ran ${e.started} command(s)${e.failed ? `, ${e.failed} failed` : ''}${e.timedOut ? `, ${e.timedOut} timed out` : ''}${e.dropped ? `, ${e.dropped} dropped (too many waiting)` : ''}\n`,
    );
  }
  io.stderr.write(
    `ringmem watch: ${counts.lines} lines, ${counts.anomalies} anomalies${counts.repeats ? ` (+${counts.repeats} repeats)` : ''}${counts.skipped ? `, ${counts.skipped} blank skipped` : ''}${counts.failed ? `, ${counts.failed} failed` : ''}\n`,
  );
  if (interrupted) return 130;
  return counts.failed > 0 ? 1 : 0;
}
