import type { LogLevel } from './config.js';

const ORDER: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  silent: 5,
};

export type LogFn = (level: 'debug' | 'info' | 'warning' | 'error', message: string) => void;

/**
 * A logger that writes one line per message to stderr. In stdio mode stdout belongs to the MCP
 * protocol, so nothing in ringmem ever logs to stdout.
 */
export function stderrLogger(min: LogLevel, stream: NodeJS.WritableStream = process.stderr): LogFn {
  return (level, message) => {
    if (ORDER[level] < ORDER[min]) return;
    stream.write(`ringmem ${level}: ${message}\n`);
  };
}
