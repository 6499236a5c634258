// The window's fault timeline: every fault the extension caused (a chaos experiment's kills, drains and
// scale-downs, a Kill pod from the tree, a steady-state breach), kept for the metrics panel's longest range,
// so its time series mark them where they happened.
import * as vscode from 'vscode';
import type { FaultMarker } from '../common/contracts/markers';
import type { Registry } from './registry';

/** Marks older than the longest time range of the metrics panel are dropped. */
export const KEEP_MS = 6 * 3_600_000;
/** And at most this many. */
export const KEEP_MAX = 500;

export class FaultTimeline implements vscode.Disposable {
  private readonly list: FaultMarker[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  add(m: FaultMarker): void {
    this.list.push(m);
    const cutoff = Date.now() - KEEP_MS;
    while (this.list.length && (this.list[0].time < cutoff || this.list.length > KEEP_MAX)) this.list.shift();
    this.changed.fire();
  }

  markers(): FaultMarker[] {
    return [...this.list];
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function faultTimeline(reg: Registry): FaultTimeline {
  return reg.service('faults.timeline', () => new FaultTimeline());
}
