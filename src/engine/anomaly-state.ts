import type { AnomalyConfig } from './anomaly.js';
import { maxRaw } from './anomaly-rule.js';
import { BurstFolder } from './bursts.js';
import { ArrivalCalibration } from './calibration.js';
import { DriftMonitor } from './drift.js';

/**
 * A namespace's anomaly state beside its ring: the calibration of arrival scores (and which bin
 * each slot added, so an eviction, expiry or delete takes exactly that back), and the open bursts.
 */
export class AnomalyState {
  readonly calibration: ArrivalCalibration;
  readonly bursts: BurstFolder;
  readonly drift: DriftMonitor;
  /** Calibration bin per ring slot, −1 for none (unscored insert, or scored while warming up). */
  private slotBins = new Int16Array(0).fill(-1);

  constructor(config: AnomalyConfig, dim: number) {
    this.drift = new DriftMonitor(dim);
    this.calibration = new ArrivalCalibration(maxRaw(config));
    this.bursts = new BurstFolder({
      threshold: config.denseThreshold,
      gapEntries: config.burstGapEntries,
      gapMs: config.burstGapMs,
    });
  }

  /** A slot was (re)filled: it holds no arrival score until `record` gives it one. */
  resetSlot(slot: number): void {
    if (slot < this.slotBins.length) this.slotBins[slot] = -1;
  }

  record(slot: number, raw: number): void {
    if (slot >= this.slotBins.length) {
      const grown = new Int16Array(Math.max(64, 2 * this.slotBins.length, slot + 1)).fill(-1);
      grown.set(this.slotBins);
      this.slotBins = grown;
    }
    this.release(slot);
    this.slotBins[slot] = this.calibration.add(raw);
  }

  /** The live entry in `slot` leaves the window. */
  release(slot: number): void {
    if (slot >= this.slotBins.length) return;
    const bin = this.slotBins[slot] as number;
    if (bin >= 0) {
      this.calibration.remove(bin);
      this.slotBins[slot] = -1;
    }
  }
}
