// Preload for `node --import ./tools/call-spans.mjs dist/cli/main.js serve`, used by
// tools/bench-call-path.ts: wall-clock spans of each stage of every tool call the server answers,
// written to stderr as one JSON line per call (`SPANS {...}`), so the time ringmem adds over the
// SDK floor can be split into its parts. It wraps methods of the built modules (the same module
// instances the server uses) and changes nothing they compute. Measurement only: never loaded by
// ringmem itself.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (rel) => import(pathToFileURL(join(root, rel)).href);
const { LineTransport } = await load('dist/transports/line-transport.js');
const { Memory } = await load('dist/memory.js');
const { MemoryEngine } = await load('dist/engine/engine.js');
const { AnomalyScorer } = await load('dist/engine/anomaly-scorer.js');
const { OnnxEmbedder } = await load('dist/embed/onnx-embedder.js');
const { McpServer } = await import(
  pathToFileURL(join(root, 'node_modules/@modelcontextprotocol/sdk/dist/esm/server/mcp.js')).href
);

/** The call being answered (stdio serves one session; the bench sends one call at a time). */
let call = null;
const now = () => performance.now();
const add = (key, ms) => {
  if (call) call[key] = (call[key] ?? 0) + ms;
};

function wrapAsync(proto, name, key) {
  const f = proto[name];
  proto[name] = async function (...args) {
    const t = now();
    try {
      return await f.apply(this, args);
    } finally {
      add(key, now() - t);
    }
  };
}
function wrapSync(proto, name, key) {
  const f = proto[name];
  proto[name] = function (...args) {
    const t = now();
    try {
      return f.apply(this, args);
    } finally {
      add(key, now() - t);
    }
  };
}

const consume = LineTransport.prototype.consume;
LineTransport.prototype.consume = function (chunk) {
  call = { start: now() };
  return consume.call(this, chunk);
};
for (const name of ['recall', 'remember', 'anomaly']) {
  const f = Memory.prototype[name];
  if (!f) continue;
  Memory.prototype[name] = async function (...args) {
    if (call) {
      call.tool = name;
      call.toMemory = now() - call.start;
    }
    const t = now();
    try {
      return await f.apply(this, args);
    } finally {
      if (call) {
        call.memory = now() - t;
        call.memoryEnd = now();
      }
    }
  };
}
wrapAsync(OnnxEmbedder.prototype, 'embedWithInfo', 'embed');
wrapAsync(MemoryEngine.prototype, 'searchAsync', 'search');
wrapAsync(MemoryEngine.prototype, 'insertAsync', 'insert');
wrapSync(MemoryEngine.prototype, 'insertWith', 'insertWith');
wrapSync(AnomalyScorer.prototype, 'score', 'anomalyScore');
wrapAsync(McpServer.prototype, 'validateToolInput', 'validateInput');
wrapAsync(McpServer.prototype, 'validateToolOutput', 'validateOutput');

const send = LineTransport.prototype.send;
LineTransport.prototype.send = async function (message) {
  const answered = call?.memoryEnd !== undefined && message && 'result' in message;
  if (!answered) return send.call(this, message);
  const t = now();
  call.afterMemory = t - call.memoryEnd;
  const write = this.output.write;
  this.output.write = (...args) => {
    const w = now();
    call.bytes = Buffer.byteLength(String(args[0]));
    try {
      return write.apply(this.output, args);
    } finally {
      call.write = now() - w;
      this.output.write = write;
    }
  };
  try {
    return await send.call(this, message);
  } finally {
    call.send = now() - t;
    call.total = now() - call.start;
    delete call.start;
    delete call.memoryEnd;
    process.stderr.write(`SPANS ${JSON.stringify(call)}\n`);
    call = null;
  }
};
