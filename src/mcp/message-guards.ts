import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ClientRequestSchema,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { RESERVED_KEY_MESSAGE, reservedMetadataKey } from './schemas.js';

/**
 * Two rules for the messages of one connection (one stdio pipe or one HTTP session), applied
 * between the transport and the SDK's protocol layer, so they hold for every transport:
 *
 * 1. Read-your-writes: a tool call observes every write whose request arrived before it. Writes
 *    (remember, anomaly_score with remember, forget, forget_older_than) run one at a time in
 *    arrival order; a read (recall, anomaly_score, memory_stats, resources/read) that arrives
 *    while a write is running waits for it. Other sessions are not held up.
 * 2. Malformed `params` of a known method get -32602 with a readable message instead of the
 *    SDK's -32603 carrying raw zod issue JSON; reserved metadata keys get a tool error.
 */

const WRITE_TOOLS = new Set(['remember', 'forget', 'forget_older_than']);
const READ_TOOLS = new Set(['recall', 'memory_stats', 'anomaly_score']);

type Kind = 'write' | 'read' | 'other';

function classify(request: JSONRPCRequest): Kind {
  if (request.method === 'resources/read') return 'read';
  if (request.method !== 'tools/call') return 'other';
  const params = request.params as { name?: unknown; arguments?: { remember?: unknown } };
  const name = params?.name;
  if (typeof name !== 'string') return 'other';
  if (WRITE_TOOLS.has(name)) return 'write';
  if (name === 'anomaly_score' && params.arguments?.remember === true) return 'write';
  return READ_TOOLS.has(name) ? 'read' : 'other';
}

let requestSchemas: Map<string, z.ZodType> | undefined;

function schemaFor(method: string): z.ZodType | undefined {
  requestSchemas ??= new Map(
    (ClientRequestSchema as unknown as { options: z.ZodObject[] }).options.map((o) => [
      (o.shape.method as unknown as { value: string }).value,
      o as z.ZodType,
    ]),
  );
  return requestSchemas.get(method);
}

/** "params.name: expected string, received number; params.arguments: …" */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const where = i.path.length ? `${i.path.join('.')}: ` : '';
      return `${where}${i.message.replace(/^Invalid input: /, '')}`;
    })
    .join('; ');
}

/** A tool call whose metadata holds a reserved key gets a tool error (zod would drop the key silently). */
function reservedKeyResult(request: JSONRPCRequest): Record<string, unknown> | undefined {
  if (request.method !== 'tools/call') return undefined;
  const params = request.params as { name?: unknown; arguments?: { metadata?: unknown } };
  const key = reservedMetadataKey(params?.arguments?.metadata);
  if (key === undefined) return undefined;
  return {
    content: [
      { type: 'text', text: `${String(params.name)}: ${RESERVED_KEY_MESSAGE} (got "${key}")` },
    ],
    isError: true,
  };
}

function paramsError(request: JSONRPCRequest): string | undefined {
  const schema = schemaFor(request.method);
  if (!schema) return undefined;
  const parsed = schema.safeParse({ method: request.method, params: request.params });
  if (parsed.success) return undefined;
  return `Invalid params for ${request.method}: ${describeIssues(parsed.error.issues)}`;
}

interface Held {
  message: JSONRPCRequest;
  extra: MessageExtraInfo | undefined;
  kind: Kind;
}

/**
 * Installs both rules on a transport the server has just connected to (the SDK's protocol layer
 * has set its `onmessage` by then).
 */
export function guardMessages(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) throw new Error('guardMessages: connect the server to the transport first');
  const send = transport.send.bind(transport);
  /** Writes handed to the server whose response has not been sent yet (at most one). */
  const running = new Set<RequestId>();
  /** Tool calls waiting for a running write, in arrival order. */
  const held: Held[] = [];

  const forward = (h: Held) => {
    if (h.kind === 'write') running.add(h.message.id);
    deliver(h.message, h.extra);
  };
  const release = () => {
    while (held.length > 0 && running.size === 0) forward(held.shift() as Held);
  };

  transport.onmessage = (message: JSONRPCMessage, extra?: MessageExtraInfo) => {
    if (isJSONRPCRequest(message)) {
      const problem = paramsError(message);
      if (problem !== undefined) {
        void send({ jsonrpc: '2.0', id: message.id, error: { code: -32602, message: problem } });
        return;
      }
      const refused = reservedKeyResult(message);
      if (refused !== undefined) {
        void send({ jsonrpc: '2.0', id: message.id, result: refused });
        return;
      }
      const kind = classify(message);
      if (kind !== 'other' && (running.size > 0 || held.length > 0)) {
        held.push({ message, extra, kind });
        return;
      }
      forward({ message, extra, kind });
      return;
    }
    deliver(message, extra);
    if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
      // A held call that is cancelled never starts; a running write that is cancelled stores
      // nothing (Memory checks the signal before inserting) and sends no response.
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id === undefined) return;
      const i = held.findIndex((h) => h.message.id === id);
      if (i >= 0) held.splice(i, 1);
      if (running.delete(id)) release();
    }
  };

  transport.send = (message, options) => {
    const result = send(message, options);
    if (
      (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) &&
      running.delete(message.id as RequestId)
    ) {
      release();
    }
    return result;
  };
}
