import type { AnomalyReport } from './anomaly.js';

/** One alarm as it was raised: enough to list it after its entry has left the window. */
export interface AnomalyEvent {
  namespace: string;
  id: number;
  text: string | undefined;
  /** Engine time of arrival (ms since the epoch). */
  timestamp: number;
  report: AnomalyReport;
  /** Lines in the burst this alarm opened so far (1 until a repeat arrives). */
  burstCount: number;
}

export type AnomalyListener = (event: AnomalyEvent) => void;

/**
 * The latest alarms per namespace (a bounded list, newest last) and the listeners told about each
 * new one — what the `ringmem://namespaces/{name}/anomalies` resource reads and pushes. Repeats of
 * an open burst are not alarms: they update the burst's first event's count instead.
 */
export class AnomalyFeed {
  private readonly recent = new Map<string, AnomalyEvent[]>();
  private readonly listeners = new Set<AnomalyListener>();

  constructor(readonly keep = 100) {}

  subscribe(listener: AnomalyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(alarm: Omit<AnomalyEvent, 'burstCount'>): void {
    const event: AnomalyEvent = { ...alarm, burstCount: 1 };
    let list = this.recent.get(event.namespace);
    if (!list) {
      list = [];
      this.recent.set(event.namespace, list);
    }
    list.push(event);
    if (list.length > this.keep) list.shift();
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure (a closed transport) must not break the insert that raised it.
      }
    }
  }

  /** The burst that `rootId` opened grew: its listed event shows the new length. */
  repeat(namespace: string, rootId: number, count: number): void {
    const list = this.recent.get(namespace);
    const event = list?.findLast((e) => e.id === rootId);
    if (event) event.burstCount = count;
  }

  /**
   * Newest first, only alarms whose entry `isLive` says is still in the window: a forgotten,
   * expired or evicted memory is not kept alive here (its text is dropped for good).
   */
  latest(namespace: string, limit: number, isLive: (id: number) => boolean): AnomalyEvent[] {
    const list = this.recent.get(namespace);
    if (!list) return [];
    const kept = list.filter((e) => isLive(e.id));
    this.recent.set(namespace, kept);
    return kept.slice(-limit).reverse();
  }

  drop(namespace: string): void {
    this.recent.delete(namespace);
  }
}
