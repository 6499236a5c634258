// Shared by the extension host (the dashboards engine) and the metrics webview, which formats axis ticks with it.
// Value formatting for the Grafana units the dashboards use (fieldConfig.defaults.unit and overrides).
// Follows Grafana's conventions: `bytes` is binary (KiB, MiB), `decbytes`/`Bps` are SI, rates get a
// per-second suffix, `percentunit` is a 0..1 ratio shown as percent. Unknown units fall back to `short`.

export type UnitKind = 'short' | 'none' | 'percent' | 'percentunit' | 'bytes' | 'decbytes' | 'Bps' | 'bps' | 'pps' | 'reqps' | 'iops' | 'ops' | 's' | 'ms' | 'cores' | 'mcores';

/** Units formatValue understands; anything else is shown as `short` (say so with isKnownUnit). */
export const KNOWN_UNITS: readonly string[] = [
  'short', 'none', '', 'percent', 'percentunit', 'bytes', 'decbytes', 'Bps', 'bps', 'binBps', 'pps', 'reqps', 'rps',
  'iops', 'ops', 'opm', 's', 'ms', 'dtdurations', 'cores', 'mcores',
];

export function isKnownUnit(unit: string | undefined): boolean {
  return unit === undefined || KNOWN_UNITS.includes(unit);
}

/** Significant-digit decimals like Grafana's auto decimals: ~3 significant digits, at most 4 decimals. */
function autoDecimals(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || a >= 100) return 0;
  if (a >= 10) return 1;
  if (a >= 1) return 2;
  const mag = Math.floor(Math.log10(a)); // -1 for 0.1..0.99
  return Math.min(4, Math.max(2, 2 - mag));
}

function fixed(v: number, decimals: number | undefined): string {
  const d = decimals ?? autoDecimals(v);
  let s = v.toFixed(d);
  // Drop trailing zeros that auto decimals add ("1.50" → "1.5") but keep explicit decimals as asked.
  if (decimals === undefined && s.includes('.')) s = s.replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

function scaled(v: number, base: number, suffixes: string[], decimals: number | undefined): string {
  let i = 0;
  let x = v;
  while (Math.abs(x) >= base && i < suffixes.length - 1) {
    x /= base;
    i++;
  }
  return `${fixed(x, decimals)}${suffixes[i]}`;
}

/** SI-prefixed rate: 12 p/s, 1.2 kp/s, 3.4 Mp/s. */
function rate(v: number, suffix: string, decimals: number | undefined): string {
  return scaled(v, 1000, ['', 'k', 'M', 'G', 'T'].map((p) => ` ${p}${suffix}`), decimals);
}
const SHORT = ['', ' K', ' Mil', ' Bil', ' Tri', ' Quadr'];

function duration(seconds: number, decimals: number | undefined): string {
  const a = Math.abs(seconds);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${fixed(seconds * 1e6, decimals)} µs`;
  if (a < 1) return `${fixed(seconds * 1e3, decimals)} ms`;
  if (a < 60) return `${fixed(seconds, decimals)} s`;
  if (a < 3600) return `${fixed(seconds / 60, decimals)} min`;
  if (a < 86400) return `${fixed(seconds / 3600, decimals)} hour`;
  return `${fixed(seconds / 86400, decimals)} day`;
}

/** Formats one value in a Grafana unit. null/NaN → "-" (Grafana's no-value text). */
export function formatValue(value: number | null | undefined, unit?: string, decimals?: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'none':
      return fixed(value, decimals);
    case 'percent':
      return `${fixed(value, decimals)}%`;
    case 'percentunit':
      return `${fixed(value * 100, decimals)}%`;
    case 'bytes':
      return scaled(value, 1024, [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB'], decimals);
    case 'decbytes':
      return scaled(value, 1000, [' B', ' kB', ' MB', ' GB', ' TB', ' PB'], decimals);
    case 'Bps':
      return scaled(value, 1000, [' B/s', ' kB/s', ' MB/s', ' GB/s', ' TB/s'], decimals);
    case 'binBps':
      return scaled(value, 1024, [' B/s', ' KiB/s', ' MiB/s', ' GiB/s', ' TiB/s'], decimals);
    case 'bps':
      return scaled(value, 1000, [' b/s', ' kb/s', ' Mb/s', ' Gb/s', ' Tb/s'], decimals);
    case 'pps':
      return rate(value, 'p/s', decimals);
    case 'reqps':
    case 'rps':
      return rate(value, 'req/s', decimals);
    case 'iops':
      return rate(value, 'io/s', decimals);
    case 'ops':
      return rate(value, 'ops/s', decimals);
    case 'opm':
      return rate(value, 'ops/min', decimals);
    case 's':
    case 'dtdurations':
      return duration(value, decimals);
    case 'ms':
      return duration(value / 1000, decimals);
    case 'cores':
      // CPU in cores shown in millicores below one core, as kubectl top does.
      return Math.abs(value) < 1 ? `${Math.round(value * 1000)}m` : `${fixed(value, decimals)} cores`;
    case 'mcores':
      return `${Math.round(value)}m`;
    default:
      return scaled(value, 1000, SHORT, decimals);
  }
}

/** The decimals a multiple of `step` needs to be written exactly (0.25 → 2, 0.5 → 1, 2 → 0), at most 3. */
export function stepDecimals(step: number): number {
  const a = Math.abs(step);
  if (!Number.isFinite(a) || a === 0) return 0;
  for (let d = 0; d < 3; d++) {
    const x = a * 10 ** d;
    if (Math.abs(x - Math.round(x)) < 1e-6 * Math.max(1, x)) return d;
  }
  return 3;
}

/** Axis tick formatter: same as formatValue, but with the decimals the tick spacing needs (0.75 %, not 0.8 %). */
export function formatTick(value: number, unit: string | undefined, step: number): string {
  if (unit === 'percentunit') return formatValue(value, unit, stepDecimals(step * 100));
  if (unit === 'percent' || unit === 'none') return formatValue(value, unit, stepDecimals(step));
  return formatValue(value, unit);
}

/**
 * Time-axis labels that do not collide: "HH:MM" (":SS" when the ticks are less than a minute apart), with the
 * date ("Dec 2") only on the first tick and where the day changes. `splits` are seconds since the epoch.
 */
export function timeTicks(splits: readonly number[], timeZone?: string): string[] {
  const step = splits.length > 1 ? splits[1] - splits[0] : 60;
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', ...(step < 60 ? { second: '2-digit' } : {}), hourCycle: 'h23', timeZone });
  const day = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone });
  let lastDay = '';
  return splits.map((v) => {
    const d = new Date(v * 1000);
    const dayText = day.format(d);
    const text = time.format(d);
    const withDay = dayText !== lastDay;
    lastDay = dayText;
    return withDay ? `${dayText} ${text}` : text;
  });
}
