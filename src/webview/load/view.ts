// What the load panel shows, computed without the DOM (unit-tested): the req/s figure, which tiles, the
// y-axis ranges and tick labels, and the line under "Responses and failures".
import type { LiveStats, ReadinessSample, RunInfo, RunMarker, RunSummary } from '../../common/contracts/load';

/**
 * The one req/s figure: while running, the last second's rate ("req/s now"); once finished, the run's mean
 * — the same number as the headline, the notification and the report.
 */
export function rpsTile(last: LiveStats | undefined, summary: RunSummary | undefined): { label: string; value: number } {
  if (summary) return { label: 'mean req/s', value: summary.rps };
  return { label: 'req/s now', value: last?.rps ?? 0 };
}

/** Users exist in the users (Locust) model and in Locust runs only; ab and open runs have none. */
export function hasUsers(run: RunInfo | undefined): boolean {
  return !!run && (run.source === 'locust' || run.model.startsWith('users'));
}

/** Failure share is a percentage: the axis runs 0–100 % and never beyond (uPlot would pad 100 to 200). */
export const FAILURE_RANGE: [number, number] = [0, 100];

/** Compact tick labels that fit the axis: 0.25, 950, 4.95k, 12k, 1.25M. */
export function compactTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${Math.round(v / 1e3)}k`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

/** Two decimals below 10 (0.25 stays 0.25), one above. */
function trim(v: number): string {
  const f = Math.abs(v) < 10 ? 100 : 10;
  return String(Math.round(v * f) / f);
}

/** The line for a run with no HTTP status at all (every request failed before an answer). */
export function noResponsesLine(s: RunSummary): string | undefined {
  if (Object.keys(s.statuses).length) return undefined;
  return s.requests ? `No HTTP response: all ${s.requests.toLocaleString()} requests failed before an answer.` : 'No request was sent.';
}

/**
 * When the load started (epoch ms): the charts' x axis is seconds since then. Each sample knows its own
 * time and elapsed seconds; before the first one, the run's start.
 */
export function loadStart(timeline: readonly LiveStats[], run: Pick<RunInfo, 'startedAt'> | undefined): number | undefined {
  const first = timeline[0];
  if (first) return first.time - first.elapsedSeconds * 1000;
  return run?.startedAt;
}

/** A marker's place on the charts' x axis: seconds after the load started, one decimal. */
export function markerSeconds(m: Pick<RunMarker, 'time'>, start: number): number {
  return Math.round((m.time - start) / 100) / 10;
}

/** The readiness lane's data: x (seconds after the load started) and one ready-count series per target. */
export function readinessData(samples: readonly ReadinessSample[], start: number): { targets: string[]; x: number[]; ready: number[][]; desired: number[][] } {
  const targets = [...new Set(samples.flatMap((s) => Object.keys(s.ready)))].sort();
  return {
    targets,
    x: samples.map((s) => markerSeconds(s, start)),
    ready: targets.map((t) => samples.map((s) => s.ready[t]?.ready ?? 0)),
    desired: targets.map((t) => samples.map((s) => s.ready[t]?.desired ?? 0)),
  };
}

/** The kill list under the charts, one line per marker: "◆ 8.1 s  kill front-end −1 — front-end-5779…". */
export function markerLine(m: RunMarker, start: number | undefined): string {
  const at = start === undefined ? new Date(m.time).toLocaleTimeString() : `${markerSeconds(m, start).toFixed(1)} s`;
  return `◆ ${at}  ${m.label}${m.detail ? ` — ${m.detail}` : ''}`;
}
