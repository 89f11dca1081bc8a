import type { CliIo } from './io.js';

function isOn(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

/**
 * `ringmem serve`: a shared front is a thin relay, so it is started without loading what a
 * server needs (the MCP server, onnxruntime, the kernel); everything else is `runServe`.
 */
export async function runServeCommand(argv: string[], io: CliIo): Promise<number> {
  const shared = argv.includes('--shared') || isOn(io.env.RINGMEM_SHARED);
  const special = argv.some((a) => a === '--http' || a === '--help' || a === '-h');
  if (shared && !special) {
    const { runSharedFrontCommand } = await import('../daemon/run-front.js');
    return runSharedFrontCommand(argv, io);
  }
  return (await import('./serve.js')).runServe(argv, io);
}
