import { SERVER_VERSION } from '../version.js';
import type { CliIo } from './io.js';

export const MAIN_HELP = `ringmem ${SERVER_VERSION} — short-term semantic memory for AI agents, over MCP

Usage: ringmem <command> [options]

Commands:
  demo             A tour in a few seconds: remember, recall, anomaly scores, forgetting
  serve            Run the MCP server on stdio (the default when no command is given)
  serve --http     Run the MCP server on Streamable HTTP (127.0.0.1:8787/mcp)
  watch            Score stdin lines for anomalies as they stream (tail -f app.log | ringmem watch)
  remember <text>  Store text in a running HTTP server (--url)
  recall <query>   Search a running HTTP server (--url)
  models           List, fetch, verify and locate embedding models
  doctor           Check versions, kernel, model and run a self-test
  bench            Measure scan, insert and embedding speed on this machine
  config <client>  Print or --write the MCP config for claude-desktop, claude-code, vscode, cursor,
                   windsurf, zed, cline, continue or codex
  ui               Open the memory inspector (namespaces, entries, search, timeline) in a browser
  daemon           Status, start and stop of the shared daemon (serve --shared)
  help [command]   Help for a command

Run \`ringmem <command> --help\` for a command's options.`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

// Commands load lazily: `ringmem --help` or `ringmem config` should not pay for onnxruntime.
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve-command.js')).runServeCommand,
  demo: async () => (await import('./demo.js')).runDemo,
  watch: async () => (await import('./watch.js')).runWatch,
  models: async () => (await import('./models-command.js')).runModelsCommand,
  doctor: async () => (await import('./doctor.js')).runDoctor,
  config: async () => (await import('./config-command.js')).runConfigCommand,
  bench: async () => (await import('./bench.js')).runBench,
  remember: async () => (await import('./client-commands.js')).runRemember,
  recall: async () => (await import('./client-commands.js')).runRecall,
  daemon: async () => (await import('./daemon-command.js')).runDaemonCommand,
  ui: async () => (await import('./ui-command.js')).runUi,
};

/** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage error. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (
    first === undefined ||
    (first.startsWith('-') && !['--help', '-h', '--version', '-v'].includes(first))
  ) {
    return (await COMMANDS.serve!())(argv, io);
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    if (topic && COMMANDS[topic]) return (await COMMANDS[topic]())(['--help'], io);
    io.stdout.write(`${MAIN_HELP}\n`);
    return 0;
  }
  const load = COMMANDS[first];
  if (!load) {
    io.stderr.write(`ringmem: unknown command "${first}"\n\n${MAIN_HELP}\n`);
    return 2;
  }
  return (await load())(rest, io);
}
