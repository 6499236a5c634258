// How the extension writes Kubernetes things for people, the way kubectl does: ages and tables.

type Time = Date | string | undefined | null;

/** Milliseconds since the epoch of a Kubernetes time (Date, RFC 3339 string or number), if it has one. */
export function toMs(t: Time | number): number | undefined {
  if (typeof t === 'number') return t;
  if (!t) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Age as kubectl prints it (its HumanDuration): 45s, 5m30s, 42m, 5h12m, 30h, 3d4h, 120d; undefined when unknown. */
export function kubeAge(t: Time | number, now: Date | number = Date.now()): string | undefined {
  const ms = toMs(t);
  if (ms === undefined) return undefined;
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const s = Math.max(0, Math.floor((nowMs - ms) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  return `${d}d`;
}

/** kubeAge for table cells: "<unknown>" when the time is missing, as kubectl shows it. */
export function age(since: Time, now: Date | number = Date.now()): string {
  return kubeAge(since, now) ?? '<unknown>';
}

/** Parses a Kubernetes quantity ("250m", "128Mi", "1.5", "2Gi", "100k", "1e3") into a number of base units; NaN if malformed. */
export function parseQuantity(q: string | number | undefined | null): number {
  if (q === undefined || q === null) return 0;
  if (typeof q === 'number') return q;
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return NaN;
  const n = parseFloat(m[1]);
  const mult: Record<string, number> = {
    n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
  };
  return n * (m[2] ? mult[m[2]] : 1);
}

/** A CPU quantity in millicores ("250m" → 250, "1" → 1000, "12345n" → 0.012345). */
export function parseCpu(q: string): number {
  return parseQuantity(q) * 1000;
}

/** A memory quantity in bytes ("128Mi", "1Gi", "1000k", "123456"). */
export function parseMemory(q: string): number {
  return parseQuantity(q);
}

/** CPU (millicores) and memory (bytes) of a resource list (metrics usage, allocatable); what cannot be read counts 0. */
export function cpuAndMemory(r: { cpu?: string; memory?: string } | undefined): { cpuMilli: number; memoryBytes: number } {
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  return { cpuMilli: finite(parseCpu(r?.cpu ?? '0')), memoryBytes: finite(parseMemory(r?.memory ?? '0')) };
}

export function formatCpu(milli: number): string {
  return milli >= 1000 ? `${(milli / 1000).toFixed(milli >= 10_000 ? 0 : 2)}` : `${Math.round(milli)}m`;
}

export function formatMemory(bytes: number): string {
  const mi = bytes / (1024 * 1024);
  if (mi >= 1024) return `${(mi / 1024).toFixed(1)}Gi`;
  return `${Math.round(mi)}Mi`;
}

/** Left-aligned columns separated by three spaces, like kubectl's tables. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
