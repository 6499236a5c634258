// kube-monkey's daily schedule, read from its log. kube-monkey prints the block below to stdout each time it
// plans (at run_hour on weekdays, or every schedule_delay in debug mode); columns are tab-separated and the
// time is Go's "01/02/2006 15:04:05 -0700 MST" (internal/pkg/schedule/schedule.go). Releases before the
// namespace column print three columns. `kubectl logs --timestamps` puts a time stamp before each line.
//
//   	********** Today's schedule **********
//   	k8 Api Kind	Kind Namespace	Kind Name		Termination Time
//   	-----------	--------------	---------		----------------
//   	v1.Deployment	sock-shop	front-end		12/02/2026 10:44:05 +0800 +08
//   	********** End of schedule **********

export interface ScheduledKill {
  kind: string;
  namespace?: string;
  name: string;
  /** Epoch ms. */
  killAt: number;
  /** The time as kube-monkey printed it. */
  printed: string;
}

export interface KubeMonkeySchedule {
  /** KUBE_MONKEY_ID when set. */
  id?: string;
  entries: ScheduledKill[];
}

const START = "********** Today's schedule **********";
const END = '********** End of schedule **********';
const TIME = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})(?: \S+)?$/;

/** Go's "01/02/2006 15:04:05 -0700 MST" to epoch ms (undefined when it is not that). */
export function parseGoTime(s: string): number | undefined {
  const m = TIME.exec(s.trim());
  if (!m) return undefined;
  const [, mo, d, y, h, mi, se, sign, oh, om] = m;
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${se}${sign}${oh}:${om}`);
  return Number.isNaN(t) ? undefined : t;
}

/** The part of a log line after an optional `kubectl logs --timestamps` prefix. */
function body(line: string): string {
  return line.replace(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\s/, '');
}

/**
 * Reads kube-monkey's log line by line and reports each complete schedule block. A block cut off by the
 * end of the text is held until its end line arrives (feed the next lines in).
 */
export class ScheduleReader {
  private current: KubeMonkeySchedule | undefined;
  private partial = '';

  constructor(private readonly onSchedule: (s: KubeMonkeySchedule) => void) {}

  /** Feeds text (any chunking: lines may be split across calls). */
  push(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.line(l.replace(/\r$/, ''));
  }

  /** Feeds one whole line. */
  line(raw: string): void {
    const l = body(raw).trim();
    if (l === START) {
      this.current = { entries: [] };
      return;
    }
    if (!this.current) return;
    if (l === END) {
      this.onSchedule(this.current);
      this.current = undefined;
      return;
    }
    const id = /^KubeMonkey ID: (.+)$/.exec(l);
    if (id) {
      this.current.id = id[1];
      return;
    }
    if (l.startsWith('k8 Api Kind') || l.startsWith('-----') || l === 'No terminations scheduled') return;
    const cols = l.split('\t').map((c) => c.trim()).filter(Boolean);
    if (cols.length < 3) return;
    const printed = cols[cols.length - 1];
    const killAt = parseGoTime(printed);
    if (killAt === undefined) return;
    const [kind, ...rest] = cols.slice(0, -1);
    const entry: ScheduledKill = rest.length >= 2 ? { kind, namespace: rest[0], name: rest[1], killAt, printed } : { kind, name: rest[0], killAt, printed };
    this.current.entries.push(entry);
  }
}

/** Every complete schedule in a log text, oldest first. */
export function parseSchedules(text: string): KubeMonkeySchedule[] {
  const out: KubeMonkeySchedule[] = [];
  const r = new ScheduleReader((s) => out.push(s));
  r.push(text.endsWith('\n') ? text : `${text}\n`);
  return out;
}

/** "in 3 min 12 s", "in 45 s", "due 20 s ago" for a kill time seen from now. */
export function countdown(killAt: number, now: number): string {
  const d = Math.round((killAt - now) / 1000);
  const span = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`);
  return d >= 0 ? `in ${span(d)}` : `due ${span(-d)} ago`;
}

/** A termination kube-monkey carried out (or failed to), as its log says it after each scheduled kill. */
export interface KubeMonkeyTermination {
  kind: string;
  name: string;
  ok: boolean;
  error?: string;
  /** The line's `kubectl logs --timestamps` time (epoch ms), when it has one. */
  at?: number;
}

// kube-monkey's kubemonkey.go, after each termination of the schedule:
//   glog.V(2).Infof("Termination successfully executed for %s %s\n", kind, name)
//   glog.Errorf("Failed to execute termination for %s %s. Error: %v", kind, name, err)
// (glog's prefix "I1202 10:44:05.123456       1 kubemonkey.go:62] " comes first).
const DONE = /Termination successfully executed for (\S+) (\S+?)\s*$/;
const FAILED = /Failed to execute termination for (\S+) (\S+?)\. Error: (.*)$/;

/** The termination a kube-monkey log line reports, if it is one. */
export function parseTermination(raw: string): KubeMonkeyTermination | undefined {
  const stamp = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\s/.exec(raw);
  const at = stamp ? Date.parse(stamp[1]) : undefined;
  const l = body(raw).trim();
  const ok = DONE.exec(l);
  if (ok) return { kind: ok[1], name: ok[2], ok: true, ...(at !== undefined ? { at } : {}) };
  const bad = FAILED.exec(l);
  if (bad) return { kind: bad[1], name: bad[2], ok: false, error: bad[3], ...(at !== undefined ? { at } : {}) };
  return undefined;
}
