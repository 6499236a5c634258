// Turns a parsed dashboard into Prometheus queries and query results into what each panel shows.
// One refresh = plan (expand templates, dedupe identical queries, skip collapsed rows) → execute
// (bounded concurrency, each query's error kept separately) → build each panel's data from its targets.
import {
  applyVariableRegex,
  fieldUnit,
  findUnexpanded,
  interpolate,
  overrideMatches,
  panelIntervalMs,
  parseVariableQuery,
  thresholdColor,
  variableOrder,
  type InterpolationContext,
  type PanelModel,
  type ParsedDashboard,
  type Target,
  type VarValue,
  type VariableModel,
} from './dashboards';
import { formatValue } from '../../common/units';
import type { InstantResult, PrometheusClient, PromSeries, RangeResult } from './prometheus';

// ---------------------------------------------------------------------------------------------------
// What panels show (sent to the webview as is)

export interface SeriesData {
  name: string;
  refId: string;
  values: (number | null)[];
  unit?: string;
  color?: string;
  dashed?: boolean;
  lineWidth?: number;
  /** lastNotNull, formatted in the series' unit (the legend's calc). */
  last: string;
}
export interface TimeseriesData {
  kind: 'timeseries';
  /** Unix seconds. */
  timestamps: number[];
  series: SeriesData[];
}
export interface StatValue {
  name: string;
  value: number | null;
  text: string;
  color?: string;
}
export interface StatData {
  kind: 'stat';
  values: StatValue[];
}
export interface TableColumn {
  name: string;
  unit?: string;
}
export interface TableData {
  kind: 'table';
  columns: TableColumn[];
  /** Raw cells (numbers stay numbers for sorting) and their formatted text. */
  rows: (number | string | null)[][];
  text: string[][];
}
export type PanelData = TimeseriesData | StatData | TableData;

// ---------------------------------------------------------------------------------------------------
// Planning

export interface TimeWindow {
  /** Range length in ms (5m, 15m, 1h, 6h). */
  rangeMs: number;
  /** Evaluation time, unix ms. */
  nowMs: number;
}

export interface QuerySpec {
  key: string;
  expr: string;
  kind: 'instant' | 'range';
  /** Computed on this side from two other queries of the batch (instant `A / B` of aggregations). */
  divide?: [string, string];
  /** Unix seconds. */
  time?: number;
  start?: number;
  end?: number;
  step?: number;
}

/** Collapses whitespace outside string literals, so identical queries written differently dedupe. */
export function normalizePromQL(expr: string): string {
  let out = '';
  let quote: string | undefined;
  let pendingSpace = false;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      out += c;
      if (c === '\\') out += expr[++i] ?? '';
      else if (c === quote) quote = undefined;
      continue;
    }
    if (/\s/.test(c)) {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace && out && !/[(){}\[\],=~!<>+\-*/^%]$/.test(out) && !/[(){}\[\],=~!<>+\-*/^%]/.test(c)) out += ' ';
    pendingSpace = false;
    if (c === '"' || c === "'" || c === '`') quote = c;
    out += c;
  }
  return out;
}

/** Splits `A / B` at its single top-level division (no matching modifiers); undefined otherwise. */
export function splitDivision(expr: string): [string, string] | undefined {
  let depth = 0;
  let quote: string | undefined;
  let at = -1;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (depth === 0 && /[+\-*%^<>=!]/.test(c)) return undefined;
    else if (depth === 0 && /[a-z]/i.test(c) && /^(and|or|unless|on|ignoring|group_left|group_right|bool|offset)\b/.test(expr.slice(i)) && !/[\w:]/.test(expr[i - 1] ?? '')) return undefined;
    else if (depth === 0 && c === '/') {
      if (at >= 0) return undefined;
      at = i;
    }
  }
  if (at < 0) return undefined;
  return [expr.slice(0, at), expr.slice(at + 1)];
}

const AGGREGATION = /^(sum|max|min|avg|count)\s*(by\s*\([^)]*\)\s*)?\(/;

export interface TargetUse {
  refId: string;
  key?: string;
  /** Set when the target could not be planned (an unexpanded variable). */
  error?: string;
}

export interface Plan {
  queries: QuerySpec[];
  uses: Map<number, TargetUse[]>;
  /** Targets counted as Grafana would issue them (one request per target of every planned panel). */
  targetCount: number;
}

export function contextFor(dash: ParsedDashboard, values: Record<string, VarValue>, window: TimeWindow, panel?: PanelModel, scrapeIntervalMs = 15_000): InterpolationContext {
  return {
    values,
    variables: dash.variables,
    rangeMs: window.rangeMs,
    intervalMs: panelIntervalMs(window.rangeMs, panel?.minInterval, panel?.maxDataPoints, scrapeIntervalMs),
    scrapeIntervalMs,
  };
}

/** The panels a refresh queries: all rendered panels except those inside collapsed rows. */
export function visiblePanels(dash: ParsedDashboard, collapsedRows: ReadonlySet<number> = new Set(dash.rows.filter((r) => r.collapsed).map((r) => r.id))): PanelModel[] {
  return dash.panels.filter((p) => p.rowId === undefined || !collapsedRows.has(p.rowId));
}

/** Expands every target of the panels and dedupes identical queries (same expression, kind, time and step). */
export function planRefresh(dash: ParsedDashboard, panels: PanelModel[], values: Record<string, VarValue>, window: TimeWindow, scrapeIntervalMs = 15_000): Plan {
  const queries = new Map<string, QuerySpec>();
  const uses = new Map<number, TargetUse[]>();
  let targetCount = 0;
  const nowS = window.nowMs / 1000;
  for (const panel of panels) {
    const ctx = contextFor(dash, values, window, panel, scrapeIntervalMs);
    const list: TargetUse[] = [];
    for (const t of panel.targets) {
      targetCount++;
      const expr = interpolate(t.expr, ctx);
      const left = findUnexpanded(expr);
      if (left.length) {
        list.push({ refId: t.refId, error: `unknown template variable ${left.join(', ')}` });
        continue;
      }
      const instant = t.instant || panel.type === 'table';
      let spec: QuerySpec;
      if (instant) {
        spec = { key: `i|${nowS}|${normalizePromQL(expr)}`, expr, kind: 'instant', time: nowS };
      } else {
        const stepMs = Math.max(ctx.intervalMs, panelIntervalMs(window.rangeMs, t.interval, panel.maxDataPoints, scrapeIntervalMs));
        const step = Math.max(1, Math.round(stepMs / 1000));
        const end = nowS;
        const start = end - window.rangeMs / 1000;
        spec = { key: `r|${start}|${end}|${step}|${normalizePromQL(expr)}`, expr, kind: 'range', start, end, step };
      }
      if (!queries.has(spec.key)) queries.set(spec.key, spec);
      list.push({ refId: t.refId, key: spec.key });
    }
    uses.set(panel.id, list);
  }
  // Batching: an instant `A / B` whose A and B are both aggregations queried in this batch anyway is
  // divided here (one-to-one on identical label sets, as PromQL does) instead of being sent.
  for (const q of queries.values()) {
    if (q.kind !== 'instant') continue;
    const parts = splitDivision(normalizePromQL(q.expr));
    if (!parts) continue;
    const [a, b] = parts.map((x) => x.trim());
    if (!AGGREGATION.test(a) || !AGGREGATION.test(b) || !/\bby\s*\(/.test(a) || !/\bby\s*\(/.test(b)) continue;
    const ka = `i|${nowS}|${a}`;
    const kb = `i|${nowS}|${b}`;
    const qa = queries.get(ka);
    const qb = queries.get(kb);
    if (qa && qb && !qa.divide && !qb.divide) q.divide = [ka, kb];
  }
  return { queries: [...queries.values()], uses, targetCount };
}

/** Queries a plan sends to Prometheus (the rest are computed from them). */
export function sentQueries(plan: Plan): number {
  return plan.queries.filter((q) => !q.divide).length;
}

function labelKey(m: Record<string, string>): string {
  return JSON.stringify(Object.keys(m).filter((k) => k !== '__name__').sort().map((k) => [k, m[k]]));
}

/** PromQL's vector / vector (one-to-one on all labels; the metric name dropped). */
export function divideVectors(a: InstantResult, b: InstantResult): InstantResult {
  if (a.resultType !== 'vector' || b.resultType !== 'vector') throw new Error('division of non-vectors');
  const rhs = new Map(b.result.map((s) => [labelKey(s.metric), s]));
  const result = [];
  for (const l of a.result) {
    const r = rhs.get(labelKey(l.metric));
    if (!r) continue;
    const { __name__: _n, ...metric } = l.metric;
    const v = Number(l.value[1]) / Number(r.value[1]);
    result.push({ metric, value: [l.value[0], Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v)] as [number, string] });
  }
  return { resultType: 'vector', result };
}

export type QueryOutcome = { ok: true; data: InstantResult | RangeResult } | { ok: false; error: string };

/** Runs the planned queries with at most `concurrency` in flight. */
export async function executePlan(client: PrometheusClient, plan: Plan, concurrency = 6, signal?: AbortSignal): Promise<Map<string, QueryOutcome>> {
  const out = new Map<string, QueryOutcome>();
  const send = plan.queries.filter((q) => !q.divide);
  let next = 0;
  const worker = async () => {
    while (next < send.length) {
      const q = send[next++];
      try {
        const data =
          q.kind === 'instant' ? await client.query(q.expr, q.time, signal) : await client.queryRange(q.expr, q.start!, q.end!, q.step!, signal);
        out.set(q.key, { ok: true, data });
      } catch (err) {
        out.set(q.key, { ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, send.length) }, worker));
  for (const q of plan.queries) {
    if (!q.divide) continue;
    const [a, b] = q.divide.map((k) => out.get(k));
    if (a && !a.ok) out.set(q.key, a);
    else if (b && !b.ok) out.set(q.key, b);
    else if (a?.ok && b?.ok) {
      try {
        out.set(q.key, { ok: true, data: divideVectors(a.data as InstantResult, b.data as InstantResult) });
      } catch (err) {
        out.set(q.key, { ok: false, error: (err as Error).message });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Building panel data

/** Grafana's legend: a legendFormat with {{label}} placeholders, else the labels (one label: its value). */
export function seriesName(metric: Record<string, string>, legendFormat: string | undefined, expr: string): string {
  if (legendFormat && legendFormat !== '__auto') {
    return legendFormat.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, k: string) => metric[k] ?? '');
  }
  const { __name__: name, ...labels } = metric;
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name ?? expr;
  if (keys.length === 1 && !name) return labels[keys[0]];
  return `${name ?? ''}{${keys.map((k) => `${k}="${labels[k]}"`).join(', ')}}`;
}

const toNum = (s: string): number | null => {
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
};

function seriesStyle(panel: PanelModel, name: string, refId: string): Pick<SeriesData, 'color' | 'dashed' | 'lineWidth'> {
  const style: Pick<SeriesData, 'color' | 'dashed' | 'lineWidth'> = {};
  for (const o of panel.overrides) {
    if (!overrideMatches(o, name, refId)) continue;
    if (o.color) style.color = o.color;
    if (o.dashed !== undefined) style.dashed = o.dashed;
    if (o.lineWidth !== undefined) style.lineWidth = o.lineWidth;
  }
  return style;
}

function lastNotNull(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
  return null;
}

function buildTimeseries(panel: PanelModel, results: { target: Target; data: InstantResult | RangeResult }[]): TimeseriesData {
  const raw: { name: string; refId: string; points: Map<number, number | null> }[] = [];
  const times = new Set<number>();
  for (const { target, data } of results) {
    const list: PromSeries[] =
      data.resultType === 'matrix'
        ? data.result
        : data.resultType === 'vector'
          ? data.result.map((s) => ({ metric: s.metric, values: [s.value] }))
          : [{ metric: {}, values: [data.result] }];
    for (const s of list) {
      const points = new Map<number, number | null>();
      for (const [t, v] of s.values) {
        points.set(t, toNum(v));
        times.add(t);
      }
      // A series with no number at all (e.g. scalar() of a missing quota) draws nothing; leave it out.
      if ([...points.values()].every((v) => v === null)) continue;
      raw.push({ name: seriesName(s.metric, target.legendFormat, target.expr), refId: target.refId, points });
    }
  }
  const timestamps = [...times].sort((a, b) => a - b);
  const series = raw.map((r) => {
    const values = timestamps.map((t) => r.points.get(t) ?? null);
    const unit = fieldUnit(panel, r.name, r.refId);
    return { name: r.name, refId: r.refId, values, unit, ...seriesStyle(panel, r.name, r.refId), last: formatValue(lastNotNull(values), unit, panel.decimals) };
  });
  series.sort((a, b) => (a.refId === b.refId ? a.name.localeCompare(b.name) : a.refId.localeCompare(b.refId)));
  return { kind: 'timeseries', timestamps, series };
}

function buildStat(panel: PanelModel, results: { target: Target; data: InstantResult | RangeResult }[]): StatData {
  const values: StatValue[] = [];
  for (const { target, data } of results) {
    const items: { metric: Record<string, string>; v: number | null }[] =
      data.resultType === 'vector'
        ? data.result.map((s) => ({ metric: s.metric, v: toNum(s.value[1]) }))
        : data.resultType === 'matrix'
          ? data.result.map((s) => ({ metric: s.metric, v: lastNotNull(s.values.map(([, v]) => toNum(v))) }))
          : [{ metric: {}, v: toNum(data.result[1]) }];
    for (const it of items) {
      const name = seriesName(it.metric, target.legendFormat, target.expr);
      const unit = fieldUnit(panel, name, target.refId);
      let thresholds = panel.thresholds;
      for (const o of panel.overrides) if (o.thresholds && overrideMatches(o, name, target.refId)) thresholds = o.thresholds;
      values.push({ name, value: it.v, text: formatValue(it.v, unit, panel.decimals), color: panel.colorMode === 'none' ? undefined : thresholdColor(thresholds, it.v) });
    }
  }
  if (values.length === 0) values.push({ name: panel.title, value: null, text: 'No data' });
  return { kind: 'stat', values };
}

interface Field {
  name: string;
  refId?: string;
  values: (number | string | null)[];
}
interface Frame {
  refId: string;
  fields: Field[];
}

/** Prometheus "table" format: one frame per target: Time, one column per label, "Value #<refId>". */
export function tableFrames(panel: PanelModel, results: { target: Target; data: InstantResult | RangeResult }[]): Frame[] {
  const multi = panel.targets.length > 1;
  return results.map(({ target, data }) => {
    const samples =
      data.resultType === 'vector'
        ? data.result.map((s) => ({ metric: s.metric, t: s.value[0], v: toNum(s.value[1]) }))
        : data.resultType === 'matrix'
          ? data.result.map((s) => {
              const last = s.values[s.values.length - 1];
              return { metric: s.metric, t: last?.[0] ?? 0, v: last ? toNum(last[1]) : null };
            })
          : [{ metric: {} as Record<string, string>, t: data.result[0], v: toNum(data.result[1]) }];
    const labels = [...new Set(samples.flatMap((s) => Object.keys(s.metric).filter((k) => k !== '__name__')))].sort();
    const valueName = multi ? `Value #${target.refId}` : 'Value';
    return {
      refId: target.refId,
      fields: [
        { name: 'Time', values: samples.map((s) => s.t * 1000) },
        ...labels.map((l) => ({ name: l, values: samples.map((s) => s.metric[l] ?? null) })),
        { name: valueName, refId: target.refId, values: samples.map((s) => s.v) },
      ],
    };
  });
}

/** Grafana's "Join by field" (outer or inner): one row per key; clashing field names get " <frame#>". */
export function joinByField(frames: Frame[], byField: string | undefined, mode: 'outer' | 'inner'): Frame {
  const key = byField ?? 'Time';
  const usable = frames.filter((f) => f.fields.some((x) => x.name === key));
  const counts = new Map<string, number>();
  for (const f of usable) for (const x of f.fields) if (x.name !== key) counts.set(x.name, (counts.get(x.name) ?? 0) + 1);
  const keys: (string | number)[] = [];
  const seen = new Set<string | number>();
  const perFrame = usable.map((f) => {
    const kf = f.fields.find((x) => x.name === key)!;
    const index = new Map<string | number | null, number>();
    kf.values.forEach((v, i) => {
      index.set(v, i);
      if (v !== null && !seen.has(v)) {
        seen.add(v);
        keys.push(v);
      }
    });
    return index;
  });
  let rowKeys = keys;
  if (mode === 'inner') rowKeys = keys.filter((k) => perFrame.every((idx) => idx.has(k)));
  const fields: Field[] = [{ name: key, values: rowKeys }];
  usable.forEach((f, fi) => {
    for (const x of f.fields) {
      if (x.name === key) continue;
      const name = (counts.get(x.name) ?? 0) > 1 ? `${x.name} ${fi + 1}` : x.name;
      fields.push({ name, refId: x.refId, values: rowKeys.map((k) => (perFrame[fi].has(k) ? x.values[perFrame[fi].get(k)!] : null)) });
    }
  });
  return { refId: usable.map((f) => f.refId).join(','), fields };
}

function organize(frame: Frame, t: Extract<PanelModel['transformations'][number], { id: 'organize' }>): Frame {
  const kept = frame.fields.filter((f) => !t.excludeByName[f.name]);
  const order = kept.map((f, i) => ({ f, i, idx: t.indexByName[f.name] ?? 1000 + i }));
  order.sort((a, b) => a.idx - b.idx || a.i - b.i);
  return { refId: frame.refId, fields: order.map(({ f }) => ({ ...f, name: t.renameByName[f.name] || f.name })) };
}

function merge(frames: Frame[]): Frame {
  const names: string[] = [];
  for (const f of frames) for (const x of f.fields) if (!names.includes(x.name)) names.push(x.name);
  const fields: Field[] = names.map((n) => ({ name: n, values: [] }));
  for (const f of frames) {
    const len = f.fields[0]?.values.length ?? 0;
    for (const out of fields) {
      const src = f.fields.find((x) => x.name === out.name);
      out.refId ??= src?.refId;
      for (let i = 0; i < len; i++) out.values.push(src ? src.values[i] : null);
    }
  }
  return { refId: frames.map((f) => f.refId).join(','), fields };
}

function buildTable(panel: PanelModel, results: { target: Target; data: InstantResult | RangeResult }[]): TableData {
  let frames = tableFrames(panel, results);
  for (const t of panel.transformations) {
    if (t.id === 'joinByField') frames = [joinByField(frames, t.byField, t.mode)];
    else if (t.id === 'merge') frames = [merge(frames)];
    else if (t.id === 'organize') frames = frames.map((f) => organize(f, t));
  }
  // Without a join or merge Grafana shows one frame at a time; the first is shown here.
  const frame = frames[0] ?? { refId: '', fields: [] };
  const columns = frame.fields.map((f) => ({
    name: f.name,
    unit: f.name === 'Time' || /^Time \d+$/.test(f.name) ? 'time' : f.values.some((v) => typeof v === 'number') ? fieldUnit(panel, f.name, f.refId) : undefined,
  }));
  const n = frame.fields[0]?.values.length ?? 0;
  const rows: (number | string | null)[][] = [];
  const text: string[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push(frame.fields.map((f) => f.values[i] ?? null));
    text.push(
      frame.fields.map((f, ci) => {
        const v = f.values[i];
        if (v === null || v === undefined) return '-';
        if (typeof v === 'string') return v;
        if (columns[ci].unit === 'time') return new Date(v).toISOString().replace('T', ' ').slice(0, 19);
        return formatValue(v, columns[ci].unit, panel.decimals);
      }),
    );
  }
  return { kind: 'table', columns, rows, text };
}

export interface PanelOutcome {
  id: number;
  data?: PanelData;
  /** The first failing target's error, if any target failed. */
  error?: string;
}

/** Builds one panel's data from the plan's outcomes. A failed target fails the panel (its last data stays shown). */
export function buildPanel(panel: PanelModel, uses: TargetUse[], outcomes: Map<string, QueryOutcome>): PanelOutcome {
  const results: { target: Target; data: InstantResult | RangeResult }[] = [];
  for (const use of uses) {
    const target = panel.targets.find((t) => t.refId === use.refId)!;
    if (use.error) return { id: panel.id, error: `${use.refId}: ${use.error}` };
    const o = outcomes.get(use.key!);
    if (!o) return { id: panel.id, error: `${use.refId}: not queried` };
    if (!o.ok) return { id: panel.id, error: o.error };
    results.push({ target, data: o.data });
  }
  switch (panel.type) {
    case 'timeseries':
      return { id: panel.id, data: buildTimeseries(panel, results) };
    case 'stat':
    case 'gauge':
      return { id: panel.id, data: buildStat(panel, results) };
    case 'table':
      return { id: panel.id, data: buildTable(panel, results) };
  }
}

// ---------------------------------------------------------------------------------------------------
// Template variables

export interface ResolvedVariable {
  name: string;
  label: string;
  options: string[];
  value: VarValue;
  multi: boolean;
  includeAll: boolean;
  hidden: boolean;
  error?: string;
}

/**
 * Resolves the dashboard's variables in dependency order: query variables from Prometheus (label_values,
 * query_result), others from their options. `chosen` holds the user's choices (kept even when the
 * value is not, or not yet, among the options, e.g. a namespace with no pods yet).
 */
export async function resolveVariables(
  dash: ParsedDashboard,
  client: PrometheusClient | undefined,
  chosen: Record<string, VarValue>,
  window: TimeWindow,
  datasourceName = 'prometheus',
): Promise<ResolvedVariable[]> {
  const values: Record<string, VarValue> = {};
  const out: ResolvedVariable[] = [];
  const startS = Math.floor((window.nowMs - window.rangeMs) / 1000);
  const endS = Math.floor(window.nowMs / 1000);
  for (const v of variableOrder(dash.variables)) {
    let options = [...v.options];
    let error: string | undefined;
    if (v.type === 'datasource') {
      options = [datasourceName];
    } else if (v.type === 'query' && v.query) {
      const q = parseVariableQuery(v.query);
      const ctx: InterpolationContext = { values, variables: dash.variables, rangeMs: window.rangeMs, intervalMs: 60_000 };
      try {
        if (!client) throw new Error('Prometheus is not reachable');
        if (q?.kind === 'label_values') {
          options = await client.labelValues(q.label, q.match ? interpolate(q.match, ctx) : undefined, { start: startS, end: endS });
        } else if (q?.kind === 'query_result') {
          const r = await client.query(interpolate(q.expr, ctx), endS);
          options = r.resultType === 'vector' ? r.result.map((s) => seriesName(s.metric, undefined, q.expr)) : [];
        } else {
          throw new Error(`variable query form not supported: ${v.query}`);
        }
        options = applyVariableRegex(options, v.regex).sort();
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
    } else if (v.type === 'textbox' || v.type === 'constant') {
      options = v.query !== undefined ? [v.query] : options;
    }
    let value: VarValue;
    const pick = chosen[v.name];
    if (v.type === 'datasource') value = datasourceName;
    else if (pick !== undefined) value = pick;
    else if (v.current !== undefined && v.current !== '$__all' && (Array.isArray(v.current) ? v.current.every((c) => options.includes(c)) : options.includes(v.current))) value = v.current;
    else if (v.includeAll) value = '$__all';
    else value = options[0] ?? '';
    values[v.name] = value;
    out.push({ name: v.name, label: v.label ?? v.name, options, value, multi: v.multi, includeAll: v.includeAll, hidden: v.hide === 2, error });
  }
  // The "All" value expands to the options found, so hand those to the interpolation.
  for (const r of out) {
    const model = dash.variables.find((m: VariableModel) => m.name === r.name);
    if (model && r.options.length) model.options = r.options;
  }
  return out;
}

export function variableValues(vars: ResolvedVariable[]): Record<string, VarValue> {
  return Object.fromEntries(vars.map((v) => [v.name, v.value]));
}
