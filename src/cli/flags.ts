import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, SETTINGS, type ServerConfig } from '../config.js';
import type { CliIo } from './io.js';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * Parses a command's own flags together with the server settings (every command that runs the
 * engine accepts them). Unknown flags and bad values become a ConfigError that names the flag.
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  own: FlagSpec,
  allowPositionals = false,
): {
  config: ServerConfig;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
} {
  const options: FlagSpec = { help: { type: 'boolean', short: 'h' }, ...own };
  for (const s of SETTINGS) options[s.flag.slice(2)] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}; see \`ringmem ${command} --help\``);
  }
  const flags: Record<string, string | undefined> = {};
  for (const s of SETTINGS) {
    const v = values[s.flag.slice(2)];
    if (typeof v === 'string') flags[s.flag] = v;
  }
  return { config: loadConfig(flags, env), values, positionals };
}

/** The settings' help lines, for every command that accepts them. */
export function settingsHelp(): string {
  return SETTINGS.map(
    (s) =>
      `  ${`${s.flag} <${(s.accepts.split(' ')[0] ?? '').replace(/,$/, '')}>`.padEnd(30)} ${s.description} [${s.env}, default ${s.default || 'none'}]`,
  ).join('\n');
}

/**
 * parseCommandArgs for a command's entry point: a bad flag or setting is reported on stderr
 * (`ringmem <command>: …`) and becomes exit code 2; `--help` prints `help` and exit code 0.
 * Returns the parsed arguments, or the exit code to return at once.
 */
export function parseCommandOrExit(
  command: string,
  argv: string[],
  io: CliIo,
  own: FlagSpec,
  help: string,
): ReturnType<typeof parseCommandArgs> | number {
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(command, argv, io.env, own);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`ringmem ${command}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.values.help) {
    io.stdout.write(`${help}\n`);
    return 0;
  }
  return parsed;
}
