import { stderrLogger } from '../log.js';
import { createRuntime } from '../runtime.js';
import { formatDuration } from '../time.js';
import { AGENT_SESSION, demoLogLines, QUESTIONS } from './demo-data.js';
import { parseCommandOrExit, settingsHelp } from './flags.js';
import type { CliIo } from './io.js';
import { maskLogLine } from './log-mask.js';

export const DEMO_HELP = `ringmem demo — a two-minute tour, offline, in a few seconds

Remembers a short agent session and a stretch of service logs, then shows recall answering
paraphrased questions, anomaly scores flagging the odd log lines, and forget_older_than at work.
Time is simulated, so nothing waits.

Options:
${settingsHelp()}`;

export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandOrExit('demo', argv, io, {}, DEMO_HELP);
  if (typeof parsed === 'number') return parsed;
  const out = (s = '') => io.stdout.write(`${s}\n`);
  const tty = (io.stdout as { isTTY?: boolean }).isTTY === true && !io.env.NO_COLOR;
  const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
  const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
  const red = (s: string) => (tty ? `\x1b[1;31m${s}\x1b[0m` : s);

  const start = Date.UTC(2026, 2, 1, 12, 0, 0);
  const clock = { t: start - 181 * 60_000 };
  const runtime = createRuntime(
    { ...parsed.config, ttlMs: Number.POSITIVE_INFINITY },
    stderrLogger(parsed.config.logLevel, io.stderr),
    io.env,
    () => clock.t,
  );
  const { memory } = runtime;
  try {
    await memory.ready;
  } catch (error) {
    io.stderr.write(`ringmem demo: ${(error as Error).message}\n`);
    return 1;
  }
  const began = performance.now();
  const k = runtime.kernel.info;
  out(bold('ringmem demo'));
  out(
    dim(
      `model ${memory.model.id} (${memory.model.dim} dims), kernel ${k.backend}/${k.isa}; simulated clock`,
    ),
  );

  out();
  out(bold('1. remember — an agent session over the last three hours'));
  for (const note of AGENT_SESSION) {
    clock.t = start - note.minutesAgo * 60_000;
    await memory.remember([note.text], { namespace: 'session', tags: ['session'] });
    out(dim(`   ${formatDuration(note.minutesAgo * 60_000).padStart(6)} ago  `) + note.text);
  }
  clock.t = start;

  out();
  out(bold('2. recall — questions phrased differently from the notes'));
  for (const q of QUESTIONS) {
    const res = await memory.recall(q, { namespace: 'session', k: 1 });
    const hit = res.hits[0];
    out(`   ? ${q}`);
    out(
      `     → ${hit ? `${hit.text}  ${dim(`(score ${hit.score.toFixed(2)}, ${res.tookMs.toFixed(1)} ms)`)}` : 'nothing found'}`,
    );
  }

  out();
  out(
    bold(
      `3. anomaly_score — ${demoLogLines().length} log lines stream in (as \`ringmem watch\` sends them); each is scored against the ones before it`,
    ),
  );
  const lines = demoLogLines();
  let flagged = 0;
  let caught = 0;
  for (const line of lines) {
    clock.t += 1000;
    const res = await memory.remember([line.text], { namespace: 'logs', embedAs: maskLogLine });
    const a = res.anomalies![0]!;
    if (a.isAnomaly) {
      flagged++;
      if (line.odd) caught++;
      out(`   ${red('ANOMALY')} ${a.score.toFixed(2)}  ${line.text}`);
    } else if (line.odd) {
      out(`   ${dim('missed ')} ${a.score.toFixed(2)}  ${line.text}`);
    }
  }
  const odd = lines.filter((l) => l.odd).length;
  const warmUp = memory.anomalyWarmUp();
  out(
    dim(
      `   ${lines.length} lines, ${flagged} flagged, ${caught} of the ${odd} odd lines among them (the first ${warmUp} lines warm the window up and calibrate the score)`,
    ),
  );

  out();
  out(bold('4. forget_older_than — drop the session notes older than one hour'));
  const before = memory.stats('session')[0]!.count;
  const res = memory.forgetOlderThan({ ageMs: 60 * 60_000, namespace: 'session' });
  out(`   forgot ${res.forgotten} of ${before} notes; ${res.remaining} remain:`);
  for (const e of memory.recent('session', 10).reverse()) {
    out(dim(`   ${formatDuration(e.ageMs).padStart(6)} ago  `) + (e.text ?? ''));
  }
  const again = await memory.recall(QUESTIONS[0]!, { namespace: 'session', k: 1 });
  out(`   ? ${QUESTIONS[0]}`);
  out(`     → ${again.hits[0]?.text ?? 'nothing'} ${dim('(the deploy notes are gone)')}`);

  out();
  out(
    dim(
      `done in ${Math.max(1, Math.round(performance.now() - began))} ms (model already loaded). Next: ringmem config claude-desktop, or: tail -f app.log | ringmem watch`,
    ),
  );
  await runtime.close();
  return 0;
}
