// The ringmem inspector: an MCP client of the server that serves it. Everything it shows comes
// from tools (memory_stats, recall, forget, forget_older_than) and resources (recent entries,
// arrival timeline) over /mcp, with the same token as any other client. Data is written into the
// page with textContent only, never as HTML.

const $ = (sel) => document.querySelector(sel);
const tokenMeta = document.querySelector('meta[name="ringmem-token"]');
const TOKEN = tokenMeta ? tokenMeta.content : undefined;
const PROTOCOL = '2025-06-18';

class McpClient {
  constructor() {
    this.session = undefined;
    this.nextId = 1;
  }

  async post(body) {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL,
    };
    if (TOKEN) headers.authorization = `Bearer ${TOKEN}`;
    if (this.session) headers['mcp-session-id'] = this.session;
    return fetch('/mcp', { method: 'POST', headers, body: JSON.stringify(body) });
  }

  async request(method, params, retried = false) {
    const id = this.nextId++;
    const res = await this.post({ jsonrpc: '2.0', id, method, params });
    if (res.status === 404 && this.session && !retried) {
      // The session expired on the server: open a new one and try once more.
      this.session = undefined;
      await this.connect();
      return this.request(method, params, true);
    }
    const sid = res.headers.get('mcp-session-id');
    if (sid) this.session = sid;
    const type = res.headers.get('content-type') || '';
    let message;
    if (type.includes('text/event-stream')) {
      const text = await res.text();
      for (const line of text.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const m = JSON.parse(line.slice(5));
        if (m.id === id) message = m;
      }
    } else {
      message = await res.json();
    }
    if (!message) throw new Error(`no answer to ${method} (HTTP ${res.status})`);
    if (message.error) throw new Error(message.error.message);
    return message.result;
  }

  async connect() {
    await this.request('initialize', {
      protocolVersion: PROTOCOL,
      capabilities: {},
      clientInfo: { name: 'ringmem-inspector', version: '1.0.0' },
    });
    await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  async tool(name, args) {
    const result = await this.request('tools/call', { name, arguments: args });
    if (result.isError) throw new Error(result.content.map((c) => c.text || '').join(' '));
    return result.structuredContent;
  }

  async resource(uri) {
    const result = await this.request('resources/read', { uri });
    return JSON.parse(result.contents[0].text);
  }
}

const mcp = new McpClient();
const state = { namespace: undefined, plot: undefined };

function showError(error) {
  const box = $('#error');
  box.textContent = error ? String(error.message || error) : '';
  box.hidden = !error;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  if (text instanceof Node) td.append(text);
  else td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

function tagList(tags) {
  const span = document.createElement('span');
  for (const t of tags) {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = t;
    span.append(tag);
  }
  return span;
}

function metadataText(metadata) {
  if (!metadata) return '';
  const code = document.createElement('code');
  code.textContent = JSON.stringify(metadata);
  return code;
}

/** A confirmation in the page (not window.confirm): says exactly what will be forgotten. */
function confirmForget(text) {
  const dialog = $('#confirm');
  $('#confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = 'cancel';
    dialog.showModal();
  });
}

async function loadStats() {
  const stats = await mcp.tool('memory_stats', {});
  $('#server-info').textContent =
    `model ${stats.model.id} (${stats.model.status}) · kernel ${stats.kernel.backend}/${stats.kernel.isa} · ` +
    `${(stats.total_bytes / 1024 ** 2).toFixed(1)} of ${(stats.max_bytes / 1024 ** 2).toFixed(0)} MB`;
  const body = $('#namespaces tbody');
  body.replaceChildren();
  const names = stats.namespaces.map((n) => n.namespace);
  if (!state.namespace || !names.includes(state.namespace)) state.namespace = names[0];
  for (const n of stats.namespaces) {
    const row = document.createElement('tr');
    row.dataset.namespace = n.namespace;
    if (n.namespace === state.namespace) row.className = 'selected';
    cell(row, n.namespace);
    cell(row, `${n.count} / ${n.capacity}`);
    cell(row, `${(n.bytes / 1024).toFixed(0)} KB`);
    cell(row, duration(n.oldest_age_seconds));
    cell(row, duration(n.newest_age_seconds));
    cell(row, n.ttl_seconds === null ? 'none' : duration(n.ttl_seconds));
    row.addEventListener('click', () => {
      state.namespace = n.namespace;
      refresh();
    });
    body.append(row);
  }
  if (stats.namespaces.length === 0) {
    const row = document.createElement('tr');
    cell(row, 'no namespaces yet: nothing has been remembered').colSpan = 6;
    body.append(row);
  }
  for (const el of document.querySelectorAll('.ns-name')) el.textContent = state.namespace || '–';
}

async function loadEntries() {
  const body = $('#entries tbody');
  body.replaceChildren();
  if (!state.namespace) return;
  const { entries } = await mcp.resource(
    `ringmem://namespaces/${encodeURIComponent(state.namespace)}/recent`,
  );
  for (const e of entries) {
    const row = document.createElement('tr');
    row.dataset.id = String(e.id);
    cell(row, String(e.id));
    cell(row, `${e.timestamp.replace('T', ' ').slice(0, 19)} (${duration(e.age_seconds)} ago)`);
    cell(row, e.text ?? '', 'text');
    cell(row, tagList(e.tags));
    cell(row, metadataText(e.metadata));
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'danger forget-id';
    button.textContent = 'Forget…';
    button.addEventListener('click', () => forgetIds([e.id], e.text ?? ''));
    cell(row, button);
    body.append(row);
  }
}

function rollingMean(values, window) {
  const out = [];
  let sum = 0;
  let n = 0;
  const queue = [];
  for (const v of values) {
    if (v !== null) {
      queue.push(v);
      sum += v;
      n++;
      if (queue.length > window) {
        sum -= queue.shift();
        n--;
      }
    }
    out.push(n > 0 ? sum / n : null);
  }
  return out;
}

async function loadTimeline() {
  const container = $('#timeline');
  if (state.plot) {
    state.plot.destroy();
    state.plot = undefined;
  }
  container.replaceChildren();
  if (!state.namespace) return;
  const t = await mcp.resource(
    `ringmem://namespaces/${encodeURIComponent(state.namespace)}/timeline`,
  );
  const anomalies = t.anomaly.filter(Boolean).length;
  const scored = t.arrival_similarity.filter((v) => v !== null).length;
  $('#timeline-summary').textContent =
    `${t.times.length} arrivals shown, ${scored} with a score, ${anomalies} anomalies; baseline mean ` +
    `${t.baseline.mean === null ? '–' : t.baseline.mean.toFixed(3)} ± ${t.baseline.std === null ? '–' : t.baseline.std.toFixed(3)}`;
  container.dataset.points = String(t.times.length);
  container.dataset.anomalies = String(anomalies);
  if (t.times.length === 0) return;
  const xs = t.times.map((ms) => ms / 1000);
  const marked = t.arrival_similarity.map((v, i) => (t.anomaly[i] ? v : null));
  const opts = {
    width: Math.max(320, container.clientWidth || 900),
    height: 260,
    scales: { x: { time: true } },
    series: [
      {},
      {
        label: 'centroid similarity on arrival',
        stroke: '#2456a6',
        width: 1,
        points: { show: true, size: 4 },
        spanGaps: true,
      },
      {
        label: 'anomaly',
        stroke: '#c62828',
        fill: '#c62828',
        width: 0,
        paths: () => null,
        points: { show: true, size: 9, fill: '#c62828', stroke: '#c62828' },
      },
      {
        label: 'rolling mean (drift)',
        stroke: '#8a8f98',
        width: 1.5,
        dash: [6, 4],
        spanGaps: true,
      },
    ],
    axes: [{}, { label: 'similarity' }],
  };
  state.plot = new uPlot(
    opts,
    [xs, t.arrival_similarity, marked, rollingMean(t.arrival_similarity, 20)],
    container,
  );
}

async function forgetIds(ids, text) {
  const ok = await confirmForget(
    `Forget memory ${ids.join(', ')} from "${state.namespace}"? "${text.slice(0, 120)}" — this cannot be undone.`,
  );
  if (!ok) return;
  try {
    await mcp.tool('forget', { ids, namespace: state.namespace });
    await refresh();
  } catch (error) {
    showError(error);
  }
}

async function search(event) {
  event.preventDefault();
  if (!state.namespace) return;
  const args = {
    query: $('#query').value,
    k: Number($('#k').value) || 5,
    namespace: state.namespace,
  };
  const mode = $('#mode');
  if (!$('#mode-label').hidden && mode.value) args.mode = mode.value;
  const list = $('#results');
  list.replaceChildren();
  try {
    const res = await mcp.tool('recall', args);
    $('#search-summary').textContent =
      `${res.hits.length} hits, ${res.searched} searched of ${res.window_size}, ${res.took_ms} ms`;
    for (const h of res.hits) {
      const li = document.createElement('li');
      const score = document.createElement('span');
      score.className = 'score';
      score.textContent = `[${h.score.toFixed(3)}] `;
      const body = document.createElement('span');
      body.textContent = `${h.text ?? ''} (id ${h.id}, ${duration(h.age_seconds)} ago) `;
      li.append(score, body, tagList(h.tags), metadataText(h.metadata));
      list.append(li);
    }
    showError(undefined);
  } catch (error) {
    showError(error);
  }
}

async function forgetOlder(event) {
  event.preventDefault();
  const age = $('#age').value.trim();
  if (!state.namespace || !age) return;
  const ok = await confirmForget(
    `Forget every memory older than ${age} in "${state.namespace}"? This cannot be undone.`,
  );
  if (!ok) return;
  try {
    const res = await mcp.tool('forget_older_than', { age, namespace: state.namespace });
    $('#search-summary').textContent = `forgot ${res.forgotten}; ${res.remaining} remain`;
    await refresh();
  } catch (error) {
    showError(error);
  }
}

/** Shows recall's mode selector when the server's recall takes a `mode` (hybrid recall). */
async function setUpModes() {
  const { tools } = await mcp.request('tools/list', {});
  const recall = tools.find((t) => t.name === 'recall');
  const mode = recall?.inputSchema.properties?.mode;
  const values = mode && (mode.enum || (mode.anyOf || []).flatMap((s) => s.enum || []));
  if (!values?.length) return;
  const select = $('#mode');
  for (const v of values) {
    const option = document.createElement('option');
    option.value = v;
    option.textContent = v;
    if (v === mode.default) option.selected = true;
    select.append(option);
  }
  $('#mode-label').hidden = false;
}

async function refresh() {
  try {
    await loadStats();
    await Promise.all([loadEntries(), loadTimeline()]);
    showError(undefined);
    document.body.dataset.ready = 'true';
  } catch (error) {
    showError(error);
  }
}

async function start() {
  $('#search').addEventListener('submit', search);
  $('#forget-age').addEventListener('submit', forgetOlder);
  $('#refresh').addEventListener('click', refresh);
  try {
    await mcp.connect();
    await setUpModes();
  } catch (error) {
    showError(error);
    return;
  }
  await refresh();
}

start();
