// A chaos experiment's faults as markers on a timeline (the Load panel's charts, the metrics panel's time
// series): what happened in a few words, and what it hit on hover.
import type { RunMarker } from '../../common/contracts/load';
import type { KillEvent } from './experiment';

/** The marker of one fault, or undefined when it hit nothing (no pod deleted, nothing evicted or scaled). */
export function killMarker(k: KillEvent): RunMarker | undefined {
  if (k.node) {
    const evicted = (k.evictions ?? []).filter((e) => e.evicted).map((e) => e.pod);
    const refused = (k.evictions ?? []).filter((e) => !e.evicted).map((e) => `${e.pod}${e.message ? ` (${e.message})` : ''}`);
    return {
      time: k.time,
      kind: 'kill',
      label: `drain ${k.node}: ${evicted.length} evicted${refused.length ? `, ${refused.length} refused` : ''}`,
      detail: [evicted.length ? `evicted ${evicted.join(', ')}` : '', refused.length ? `refused ${refused.join(', ')}` : ''].filter(Boolean).join('; '),
    };
  }
  if (k.scaled) {
    return { time: k.time, kind: 'kill', label: `scale ${k.deployment} ${k.scaled.from} → ${k.scaled.to}`, detail: k.pods.length ? k.pods.join(', ') : `${k.deployment} held at ${k.scaled.to} replicas` };
  }
  if (!k.pods.length) return undefined;
  return {
    time: k.time,
    kind: 'kill',
    label: k.container ? `kill container ${k.container} in ${k.deployment} −${k.pods.length}` : `kill ${k.deployment} −${k.pods.length}${k.capped ? ' (capped)' : ''}`,
    detail: k.pods.join(', ') + (k.errors.length ? ` — ${k.errors.join('; ')}` : ''),
  };
}
