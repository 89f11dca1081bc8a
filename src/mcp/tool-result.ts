import { randomBytes } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { EmbedError } from '../embed/errors.js';
import { RingmemError } from '../errors.js';
import type { LogFn } from '../log.js';
import { ModelError } from '../models/errors.js';

/** Errors whose message is written for the caller: what was wrong and what is accepted. */
function isCallerFacing(error: unknown): error is Error & { code: string } {
  return (
    error instanceof RingmemError || error instanceof EmbedError || error instanceof ModelError
  );
}

/** A short id that ties an internal error's one-line reply to the stack in the server's log. */
export function errorRef(): string {
  return randomBytes(4).toString('hex');
}

/** Where tools report failures: the project's one logging signature. */
export type Logger = LogFn;

/**
 * Runs a tool body and turns the outcome into a CallToolResult: structured content plus a compact
 * text rendering on success; `isError: true` with a message the model can act on on failure.
 * Unexpected errors are logged with their stack and reported without internals.
 */
export async function toolResult<T extends Record<string, unknown>>(
  log: Logger,
  tool: string,
  body: () => Promise<T> | T,
  render: (value: T) => string,
): Promise<CallToolResult> {
  try {
    const value = await body();
    return { content: [{ type: 'text', text: render(value) }], structuredContent: value };
  } catch (error) {
    if (isCallerFacing(error)) {
      return { content: [{ type: 'text', text: `${tool}: ${error.message}` }], isError: true };
    }
    const ref = errorRef();
    // The first line is all a client may see (MCP logging); the stack stays in the server's log.
    log(
      'error',
      `${tool} failed with an internal error (ref ${ref})\n${(error as Error)?.stack ?? String(error)}`,
    );
    return {
      content: [
        {
          type: 'text',
          text: `${tool} failed with an internal error (ref ${ref}). This is a ringmem bug or a local fault; the server keeps running, and its log (stderr) has the details under that ref.`,
        },
      ],
      isError: true,
    };
  }
}
