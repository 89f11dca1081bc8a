import { SERVER_VERSION } from '../mcp/server.js';
import { runConfigCommand } from './config-command.js';
import { runDemo } from './demo.js';
import { runDoctor } from './doctor.js';
import type { CliIo } from './io.js';
import { runModelsCommand } from './models-command.js';
import { runServe, SERVE_HELP } from './serve.js';
import { runWatch } from './watch.js';

export const MAIN_HELP = `ringmem ${SERVER_VERSION} — short-term semantic memory for AI agents, over MCP

Usage: ringmem <command> [options]

Commands:
  demo             A tour in a few seconds: remember, recall, anomaly scores, forgetting
  serve            Run the MCP server on stdio (the default when no command is given)
  serve --http     Run the MCP server on Streamable HTTP (127.0.0.1:8787/mcp)
  watch            Score stdin lines for anomalies as they stream (tail -f app.log | ringmem watch)
  models           List, fetch, verify and locate embedding models
  doctor           Check versions, kernel, model and run a self-test
  config <client>  Print the MCP config block for claude-desktop, claude-code, vscode or cursor
  help [command]   Help for a command

Run \`ringmem <command> --help\` for a command's options.`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: runServe,
  models: (argv, io) => runModelsCommand(argv, io),
  watch: runWatch,
  demo: runDemo,
  config: runConfigCommand,
  doctor: runDoctor,
};

/** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage error. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (
    first === undefined ||
    (first.startsWith('--') && first !== '--help' && first !== '--version')
  ) {
    return runServe(argv, io);
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    if (topic === 'serve') io.stdout.write(`${SERVE_HELP}\n`);
    else if (topic && COMMANDS[topic]) return COMMANDS[topic]([...rest.slice(1), '--help'], io);
    else io.stdout.write(`${MAIN_HELP}\n`);
    return 0;
  }
  const command = COMMANDS[first];
  if (!command) {
    io.stderr.write(`ringmem: unknown command "${first}"\n\n${MAIN_HELP}\n`);
    return 2;
  }
  return command(rest, io);
}
