// The metrics panel's absolute time range as the toolbar shows and edits it (no DOM; unit-tested): the
// datetime-local inputs' values in local time, and the range in a few words.
import type { AbsoluteRange } from '../../common/contracts/metrics';

const pad = (n: number) => String(n).padStart(2, '0');

/** An epoch-ms time as a datetime-local input's value ("2026-12-02T18:05"), in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value ("2026-12-02T18:05" or with seconds) as epoch ms; NaN when it is not one. */
export function fromLocalInput(v: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v.trim());
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  const t = new Date(y, mo - 1, d, h, mi, s).getTime();
  // new Date rolls 2026-02-31 over into March: such a date is not one.
  return new Date(t).getDate() === d ? t : NaN;
}

/** "18:05 – 18:35" on one day, else with the dates ("Dec 1 23:50 – Dec 2 00:20"). */
export function absoluteLabel(r: AbsoluteRange): string {
  const a = new Date(r.fromMs);
  const b = new Date(r.toMs);
  const time = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const day = (d: Date) => d.toLocaleDateString('en', { month: 'short', day: 'numeric' });
  return a.toDateString() === b.toDateString() ? `${day(a)} ${time(a)} – ${time(b)}` : `${day(a)} ${time(a)} – ${day(b)} ${time(b)}`;
}
