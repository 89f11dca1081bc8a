import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/mcp-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ capacity: 500 });
});
afterEach(async () => {
  await h.close();
});

const routine = (i: number) =>
  `worker ${['alpha', 'beta', 'gamma', 'delta'][i % 4]} heartbeat ok queue depth normal`;

async function warmUp(namespace: string, n = 120): Promise<void> {
  const texts = Array.from({ length: n }, (_, i) => routine(i));
  for (let i = 0; i < n; i += 40) {
    await h.call('remember', { texts: texts.slice(i, i + 40), namespace });
  }
}

async function readAnomalies(namespace: string) {
  const res = await h.client.readResource({ uri: `ringmem://namespaces/${namespace}/anomalies` });
  return JSON.parse((res.contents[0] as { text: string }).text);
}

describe('ringmem://namespaces/{name}/anomalies', () => {
  it('notifies a subscriber of a new anomaly and lists it, with its score, when read', async () => {
    await warmUp('ops');
    const updates: string[] = [];
    h.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await h.client.subscribeResource({ uri: 'ringmem://namespaces/ops/anomalies' });
    const odd = 'kernel panic unable to mount root filesystem on device sda';
    const res = await h.call('remember', { texts: [odd, odd, odd], namespace: 'ops' });
    const items = (res.structuredContent as { items: { anomaly: Record<string, unknown> }[] })
      .items;
    expect(items[0]!.anomaly).toMatchObject({ verdict: 'anomaly', alarm: true });
    // The copies are one burst: no fresh alarm each.
    expect(items[1]!.anomaly).toMatchObject({ verdict: 'repeat', alarm: false });
    await h.call('remember', { text: routine(1), namespace: 'ops' });
    await new Promise((r) => setTimeout(r, 20));
    expect(updates).toEqual(['ringmem://namespaces/ops/anomalies']);

    const body = await readAnomalies('ops');
    expect(body.anomalies).toHaveLength(1);
    expect(body.anomalies[0]).toMatchObject({
      text: odd,
      verdict: 'anomaly',
      burst_count: 3,
    });
    expect(body.anomalies[0].score).toBeGreaterThanOrEqual(0.5);
    expect(body.drift).toMatchObject({ recent: expect.any(Number) });
    expect(body.loops.groups.length).toBeGreaterThan(0);

    // Other namespaces do not notify this subscription; unsubscribing stops the updates.
    await warmUp('other', 80);
    await h.client.unsubscribeResource({ uri: 'ringmem://namespaces/ops/anomalies' });
    await h.call('remember', {
      text: 'completely unrelated satellite telemetry burst',
      namespace: 'ops',
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(updates).toHaveLength(1);
  });

  it('lists one anomalies resource per namespace and refuses to subscribe to anything else', async () => {
    await h.call('remember', { text: 'hello', namespace: 'ns1' });
    const { resources } = await h.client.listResources();
    expect(resources.map((r) => r.uri)).toContain('ringmem://namespaces/ns1/anomalies');
    await expect(h.client.subscribeResource({ uri: 'ringmem://stats' })).rejects.toThrow(
      /only ringmem:\/\/namespaces\/\{name\}\/anomalies/,
    );
    await expect(
      h.client.subscribeResource({ uri: 'ringmem://namespaces/bad name/anomalies' }),
    ).rejects.toThrow(/invalid namespace/);
    expect((await readAnomalies('empty')).anomalies).toEqual([]);
  });

  it('reports drift and loops per namespace in memory_stats', async () => {
    for (let i = 0; i < 6; i++) {
      await h.call('remember', {
        text: 'retry: connection refused by upstream',
        namespace: 'agent',
      });
    }
    const stats = await h.call('memory_stats', { namespace: 'agent' });
    type Health = { loops: { groups: unknown[] }; drift: unknown };
    const ns = (stats.structuredContent as { namespaces: Health[] }).namespaces[0]!;
    expect(ns.loops).toMatchObject({ recent: 6, repeated: 6, share: 1 });
    expect(ns.loops.groups[0]).toMatchObject({
      text: 'retry: connection refused by upstream',
      count: 6,
    });
    expect(ns.drift).toMatchObject({ recent: 6, rest: 0, similarity: null });
  });
});
