// Grafana dashboard JSON → the model the metrics panel renders. Covers what kube-prometheus-stack's
// dashboards use (schemaVersion 39): timeseries, stat, gauge and table panels, rows (collapsed rows keep
// their panels inside `row.panels`), Prometheus targets, template variables, units, overrides, stacking,
// thresholds and the joinByField/organize table transformations. Whatever cannot be rendered is listed
// in `skipped` with the reason; a malformed panel never stops the rest of the dashboard.
import { isKnownUnit } from '../../common/units';

export type PanelType = 'timeseries' | 'stat' | 'gauge' | 'table';
export const RENDERED_TYPES: readonly PanelType[] = ['timeseries', 'stat', 'gauge', 'table'];

export interface Threshold {
  /** null for the base step. */
  value: number | null;
  color: string;
}

export interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  /** Instant query (a single value per series) rather than a range query. */
  instant: boolean;
  format: 'time_series' | 'table';
  /** Target-level minimum step, e.g. "30s". */
  interval?: string;
}

/** A field override as the panel applies it (matchers Grafana's dashboards use: byName, byRegexp, byFrameRefID). */
export interface FieldOverride {
  matcher: { id: 'byName' | 'byRegexp' | 'byFrameRefID'; options: string };
  unit?: string;
  decimals?: number;
  color?: string;
  dashed?: boolean;
  lineWidth?: number;
  thresholds?: Threshold[];
}

export type Transformation =
  | { id: 'joinByField'; byField?: string; mode: 'outer' | 'inner' }
  | { id: 'organize'; excludeByName: Record<string, boolean>; indexByName: Record<string, number>; renameByName: Record<string, string> }
  | { id: 'merge' };

export interface PanelModel {
  id: number;
  title: string;
  type: PanelType;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  /** Id of the row the panel sits in, if any. */
  rowId?: number;
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  /** Panel minimum interval ("1m"): the floor of $__interval and of the range query step. */
  minInterval?: string;
  maxDataPoints?: number;
  stacking: 'none' | 'normal' | 'percent';
  fillOpacity: number;
  lineWidth: number;
  thresholds: Threshold[];
  /** How thresholds show on a time series: off, line, dashed, area, line+area, dashed+area. */
  thresholdsStyle: string;
  /** Colour mode of stat panels: value, background, none. */
  colorMode: string;
  overrides: FieldOverride[];
  targets: Target[];
  transformations: Transformation[];
  /** Notes about options shown differently from Grafana (e.g. a transformation that is not applied). */
  notes: string[];
  legendCalcs: string[];
}

export interface RowModel {
  id: number;
  title: string;
  collapsed: boolean;
  panelIds: number[];
}

export interface SkippedPanel {
  id?: number;
  title: string;
  type?: string;
  reason: string;
}

export interface VariableModel {
  name: string;
  label?: string;
  type: string;
  /** For query variables: the query (label_values(...), query_result(...), or a plain metric query). */
  query?: string;
  /** Regex applied to query results (Grafana's `regex` field). */
  regex?: string;
  multi: boolean;
  includeAll: boolean;
  allValue?: string;
  /** Fixed options (custom/constant/interval variables, or options stored in the JSON). */
  options: string[];
  current?: string | string[];
  hide: number;
}

export interface ParsedDashboard {
  uid: string;
  title: string;
  tags: string[];
  refresh?: string;
  variables: VariableModel[];
  panels: PanelModel[];
  rows: RowModel[];
  skipped: SkippedPanel[];
}

export class DashboardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DashboardError';
  }
}

type Json = Record<string, any>;
const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function parseThresholds(v: unknown): Threshold[] {
  if (!isObj(v) || !Array.isArray(v.steps)) return [];
  return v.steps
    .filter(isObj)
    .map((s) => ({ value: num(s.value) ?? null, color: str(s.color) ?? 'green' }))
    .sort((a, b) => (a.value ?? -Infinity) - (b.value ?? -Infinity));
}

function parseOverrides(v: unknown, notes: string[]): FieldOverride[] {
  if (!Array.isArray(v)) return [];
  const out: FieldOverride[] = [];
  for (const o of v) {
    if (!isObj(o) || !isObj(o.matcher)) continue;
    const id = str(o.matcher.id);
    const options = str(o.matcher.options);
    if ((id !== 'byName' && id !== 'byRegexp' && id !== 'byFrameRefID') || options === undefined) {
      notes.push(`override matcher ${id ?? '?'} not applied`);
      continue;
    }
    const fo: FieldOverride = { matcher: { id, options } };
    for (const p of Array.isArray(o.properties) ? o.properties : []) {
      if (!isObj(p)) continue;
      switch (p.id) {
        case 'unit':
          fo.unit = str(p.value);
          break;
        case 'decimals':
          fo.decimals = num(p.value);
          break;
        case 'color':
          if (isObj(p.value) && p.value.mode === 'fixed') fo.color = str(p.value.fixedColor);
          break;
        case 'custom.lineStyle':
          fo.dashed = isObj(p.value) && p.value.fill === 'dash';
          break;
        case 'custom.lineWidth':
          fo.lineWidth = num(p.value);
          break;
        case 'thresholds':
          fo.thresholds = parseThresholds(p.value);
          break;
        case 'links':
          // Drill-down links point into Grafana's own URLs; the panel offers "Open Pod Metrics" instead.
          break;
        default:
          // Cosmetic properties (custom.align, displayName, ...) are shown with defaults.
          break;
      }
    }
    out.push(fo);
  }
  return out;
}

function parseTransformations(v: unknown, notes: string[]): Transformation[] {
  if (!Array.isArray(v)) return [];
  const out: Transformation[] = [];
  for (const t of v) {
    if (!isObj(t)) continue;
    const o = isObj(t.options) ? t.options : {};
    if (t.disabled === true) continue;
    switch (t.id) {
      case 'joinByField':
      case 'seriesToColumns':
        out.push({ id: 'joinByField', byField: str(o.byField), mode: o.mode === 'inner' ? 'inner' : 'outer' });
        break;
      case 'merge':
        out.push({ id: 'merge' });
        break;
      case 'organize':
        out.push({
          id: 'organize',
          excludeByName: isObj(o.excludeByName) ? (o.excludeByName as Record<string, boolean>) : {},
          indexByName: isObj(o.indexByName) ? (o.indexByName as Record<string, number>) : {},
          renameByName: isObj(o.renameByName) ? (o.renameByName as Record<string, string>) : {},
        });
        break;
      default:
        notes.push(`transformation "${String(t.id)}" is not applied`);
    }
  }
  return out;
}

function parseTargets(panel: Json): Target[] {
  const targets: Target[] = [];
  const raw = Array.isArray(panel.targets) ? panel.targets : [];
  raw.forEach((t: unknown, i: number) => {
    if (!isObj(t) || t.hide === true) return;
    const expr = str(t.expr);
    if (!expr || !expr.trim()) return;
    targets.push({
      refId: str(t.refId) ?? String.fromCharCode(65 + i),
      expr,
      legendFormat: str(t.legendFormat),
      instant: t.instant === true && t.range !== true,
      format: t.format === 'table' ? 'table' : 'time_series',
      interval: str(t.interval) || undefined,
    });
  });
  return targets;
}

function parsePanel(p: Json, rowId: number | undefined, skipped: SkippedPanel[]): PanelModel | undefined {
  const title = str(p.title) ?? '(untitled)';
  const id = num(p.id);
  const type = str(p.type);
  const skip = (reason: string) => {
    skipped.push({ id, title, type, reason });
    return undefined;
  };
  if (id === undefined) return skip('the panel has no numeric id');
  // Grafana 7's "graph" and "singlestat" map onto the same renderers.
  const mapped = type === 'graph' ? 'timeseries' : type === 'singlestat' ? 'stat' : type;
  if (!RENDERED_TYPES.includes(mapped as PanelType)) return skip(`panel type "${type ?? 'missing'}" is not rendered`);
  if (p.datasource && isObj(p.datasource) && p.datasource.type && !['prometheus', 'datasource'].includes(p.datasource.type)) {
    return skip(`datasource type "${p.datasource.type}" is not Prometheus`);
  }
  const targets = parseTargets(p);
  if (targets.length === 0) return skip('the panel has no Prometheus targets (expr)');
  const g = isObj(p.gridPos) ? p.gridPos : {};
  const defaults = isObj(p.fieldConfig) && isObj(p.fieldConfig.defaults) ? p.fieldConfig.defaults : {};
  const custom = isObj(defaults.custom) ? defaults.custom : {};
  const options = isObj(p.options) ? p.options : {};
  const notes: string[] = [];
  const unit = str(defaults.unit) ?? (type === 'graph' && Array.isArray(p.yaxes) && isObj(p.yaxes[0]) ? str(p.yaxes[0].format) : undefined);
  if (unit && !isKnownUnit(unit)) notes.push(`unit "${unit}" shown as a plain number`);
  const overrides = parseOverrides(isObj(p.fieldConfig) ? p.fieldConfig.overrides : undefined, notes);
  for (const o of overrides) if (o.unit && !isKnownUnit(o.unit)) notes.push(`unit "${o.unit}" shown as a plain number`);
  const stackingMode = isObj(custom.stacking) ? str(custom.stacking.mode) : p.stack === true ? 'normal' : undefined;
  const legend = isObj(options.legend) ? options.legend : {};
  return {
    id,
    title,
    type: mapped as PanelType,
    description: str(p.description),
    gridPos: { x: num(g.x) ?? 0, y: num(g.y) ?? 0, w: Math.min(24, Math.max(1, num(g.w) ?? 24)), h: Math.max(1, num(g.h) ?? 7) },
    rowId,
    unit,
    decimals: num(defaults.decimals),
    min: num(defaults.min),
    max: num(defaults.max),
    minInterval: str(p.interval) || undefined,
    maxDataPoints: num(p.maxDataPoints),
    stacking: stackingMode === 'normal' ? 'normal' : stackingMode === 'percent' ? 'percent' : 'none',
    fillOpacity: num(custom.fillOpacity) ?? (type === 'graph' ? 10 : 0),
    lineWidth: num(custom.lineWidth) ?? 1,
    thresholds: parseThresholds(defaults.thresholds),
    thresholdsStyle: isObj(custom.thresholdsStyle) ? (str(custom.thresholdsStyle.mode) ?? 'off') : 'off',
    colorMode: str(options.colorMode) ?? 'value',
    overrides,
    targets,
    transformations: parseTransformations(p.transformations, notes),
    notes,
    legendCalcs: Array.isArray(legend.calcs) ? legend.calcs.filter((c: unknown): c is string => typeof c === 'string') : [],
  };
}

function parseVariable(v: Json): VariableModel | undefined {
  const name = str(v.name);
  if (!name) return undefined;
  const q = v.query;
  const query = typeof q === 'string' ? q : isObj(q) ? str(q.query) : undefined;
  const cur = isObj(v.current) ? v.current.value : undefined;
  const current = typeof cur === 'string' ? cur : Array.isArray(cur) ? cur.filter((x) => typeof x === 'string') : undefined;
  const options = Array.isArray(v.options)
    ? v.options.filter(isObj).map((o) => str(o.value)).filter((x): x is string => !!x && x !== '$__all')
    : [];
  if (options.length === 0 && (v.type === 'custom' || v.type === 'interval') && query) {
    for (const part of query.split(',')) {
      const s = part.trim();
      if (s) options.push(s.includes(' : ') ? s.split(' : ')[1].trim() : s);
    }
  }
  if (v.type === 'constant' && query) options.push(query);
  return {
    name,
    label: str(v.label),
    type: str(v.type) ?? 'query',
    query,
    regex: str(v.regex) || undefined,
    multi: v.multi === true,
    includeAll: v.includeAll === true,
    allValue: str(v.allValue) ?? undefined,
    options,
    current,
    hide: num(v.hide) ?? 0,
  };
}

/**
 * Parses a dashboard (the JSON object, or a string holding it). Throws DashboardError only when the
 * input is not a dashboard at all; a broken panel lands in `skipped`.
 */
export function parseDashboard(input: unknown): ParsedDashboard {
  let d: unknown = input;
  if (typeof input === 'string') {
    try {
      d = JSON.parse(input);
    } catch (err) {
      throw new DashboardError(`not valid JSON: ${(err as Error).message}`);
    }
  }
  // The HTTP API wraps it: { dashboard: {...}, meta: {...} }.
  if (isObj(d) && isObj(d.dashboard) && !Array.isArray(d.panels)) d = d.dashboard;
  if (!isObj(d)) throw new DashboardError('a dashboard must be a JSON object');
  if (!Array.isArray(d.panels) && !Array.isArray(d.rows)) throw new DashboardError(`dashboard "${str(d.title) ?? '?'}" has no panels`);

  const skipped: SkippedPanel[] = [];
  const panels: PanelModel[] = [];
  const rows: RowModel[] = [];

  const add = (raw: unknown, row: RowModel | undefined) => {
    if (!isObj(raw)) {
      skipped.push({ title: '(not an object)', reason: 'the panel entry is not a JSON object' });
      return;
    }
    try {
      const p = parsePanel(raw, row?.id, skipped);
      if (p) {
        panels.push(p);
        row?.panelIds.push(p.id);
      }
    } catch (err) {
      skipped.push({ id: num(raw.id), title: str(raw.title) ?? '(untitled)', type: str(raw.type), reason: `malformed: ${(err as Error).message}` });
    }
  };

  if (Array.isArray(d.panels)) {
    let current: RowModel | undefined;
    let rowSeq = 0;
    for (const raw of d.panels) {
      if (isObj(raw) && raw.type === 'row') {
        current = { id: num(raw.id) ?? -(++rowSeq), title: str(raw.title) ?? '', collapsed: raw.collapsed === true, panelIds: [] };
        rows.push(current);
        // A collapsed row carries its panels inside; an expanded one owns the panels that follow it.
        if (Array.isArray(raw.panels)) for (const inner of raw.panels) add(inner, current);
        continue;
      }
      add(raw, current);
    }
  } else {
    // Pre-5.0 layout: rows: [{ title, collapse, panels: [...] }]
    (d.rows as unknown[]).forEach((r, i) => {
      if (!isObj(r)) return;
      const row: RowModel = { id: -(i + 1), title: str(r.title) ?? '', collapsed: r.collapse === true, panelIds: [] };
      rows.push(row);
      for (const inner of Array.isArray(r.panels) ? r.panels : []) add(inner, row);
    });
  }

  const templ = isObj(d.templating) && Array.isArray(d.templating.list) ? d.templating.list : [];
  const variables = templ.filter(isObj).map(parseVariable).filter((v): v is VariableModel => !!v);

  return {
    uid: str(d.uid) ?? '',
    title: str(d.title) ?? '(untitled dashboard)',
    tags: Array.isArray(d.tags) ? d.tags.filter((t: unknown): t is string => typeof t === 'string') : [],
    refresh: str(d.refresh),
    variables,
    panels,
    rows,
    skipped,
  };
}

// ---------------------------------------------------------------------------------------------------
// Template variables

/** Parses a Grafana/Prometheus duration ("1m", "30s", "1h30m", "500ms") into milliseconds. */
export function parseDuration(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const text = s.trim().replace(/^>/, '');
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
  let total = 0;
  let matched = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const n = parseFloat(m[1]);
    total += n * { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 }[m[2] as 'ms']!;
    matched += m[0];
  }
  return matched === text && text ? total : undefined;
}

/** Milliseconds → a PromQL duration ("75s", "1m", "500ms"). */
export function promDuration(ms: number): string {
  const r = Math.max(1, Math.round(ms));
  if (r % 3600e3 === 0) return `${r / 3600e3}h`;
  if (r % 60e3 === 0) return `${r / 60e3}m`;
  if (r % 1e3 === 0) return `${r / 1e3}s`;
  return `${r}ms`;
}

export type VarValue = string | string[];

export interface InterpolationContext {
  /** Selected values by variable name. The special value "$__all" means "All". */
  values: Record<string, VarValue>;
  /** The dashboard's variables (for multi/includeAll/allValue/options). */
  variables?: VariableModel[];
  /** Time range length in ms. */
  rangeMs: number;
  /** $__interval in ms. */
  intervalMs: number;
  /** The Prometheus scrape interval (Grafana's datasource default: 15 s). */
  scrapeIntervalMs?: number;
}

/** Grafana's `$__interval` for a panel: range / max data points, rounded, floored by the panel's min interval. */
export function panelIntervalMs(rangeMs: number, minInterval?: string, maxDataPoints = 1000, scrapeIntervalMs = 15_000): number {
  const raw = rangeMs / Math.max(1, maxDataPoints);
  const nice = [1, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 20e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1200e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3];
  const rounded = nice.find((n) => n >= raw) ?? raw;
  const floor = parseDuration(minInterval) ?? scrapeIntervalMs;
  return Math.max(rounded, floor);
}

/** Escapes regex metacharacters, as Grafana's Prometheus datasource does for multi-value variables. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');
}

function formatMulti(values: string[], fmt: string | undefined): string {
  switch (fmt) {
    case 'csv':
      return values.join(',');
    case 'pipe':
      return values.join('|');
    case 'raw':
      return values.join(',');
    case 'json':
      return JSON.stringify(values);
    case 'regex':
    default:
      return values.length === 1 ? escapeRegex(values[0]) : `(${values.map(escapeRegex).join('|')})`;
  }
}

function valueOf(name: string, fmt: string | undefined, ctx: InterpolationContext): string | undefined {
  const scrape = ctx.scrapeIntervalMs ?? 15_000;
  switch (name) {
    case '__interval':
      return promDuration(ctx.intervalMs);
    case '__interval_ms':
      return String(Math.round(ctx.intervalMs));
    case '__rate_interval':
      return promDuration(Math.max(ctx.intervalMs + scrape, 4 * scrape));
    case '__range':
      return promDuration(Math.round(ctx.rangeMs / 1000) * 1000);
    case '__range_s':
      return String(Math.round(ctx.rangeMs / 1000));
    case '__range_ms':
      return String(Math.round(ctx.rangeMs));
  }
  if (!(name in ctx.values)) return undefined;
  const variable = ctx.variables?.find((v) => v.name === name);
  let v = ctx.values[name];
  const isAll = v === '$__all' || (Array.isArray(v) && v.includes('$__all'));
  if (isAll) {
    if (variable?.allValue !== undefined) return variable.allValue;
    v = variable?.options.length ? variable.options : ['.+'];
    return v.length === 1 && v[0] === '.+' ? '.+' : formatMulti(v, fmt);
  }
  if (Array.isArray(v)) return formatMulti(v, fmt);
  if (variable && (variable.multi || variable.includeAll)) return formatMulti([v], fmt);
  return fmt === 'regex' ? escapeRegex(v) : v;
}

/**
 * Expands template variables in a PromQL expression: `$var`, `${var}`, `${var:format}`, `[[var]]`,
 * `[[var:format]]`, and the built-ins `$__interval`, `$__rate_interval`, `$__range` (+ _s/_ms).
 * Unknown variables are left as they are (findUnexpanded reports them).
 */
export function interpolate(expr: string, ctx: InterpolationContext): string {
  const re = /\$(\w+)|\$\{(\w+)(?::([\w]+))?\}|\[\[(\w+)(?::([\w]+))?\]\]/g;
  return expr.replace(re, (match, plain, braced, bracedFmt, bracket, bracketFmt) => {
    const name = plain ?? braced ?? bracket;
    const fmt = bracedFmt ?? bracketFmt;
    return valueOf(name, fmt, ctx) ?? match;
  });
}

/** Template references that interpolate left in place. */
export function findUnexpanded(expr: string): string[] {
  return expr.match(/\$\w+|\$\{[^}]*\}|\[\[\w+(?::\w+)?\]\]/g) ?? [];
}

/** Variables an expression refers to (to order variable resolution). */
export function referencedVariables(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\$(\w+)|\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]/g)) names.add(m[1] ?? m[2] ?? m[3]);
  return [...names];
}

export interface LabelValuesQuery {
  kind: 'label_values';
  label: string;
  /** Series selector, if any: label_values(<selector>, <label>). */
  match?: string;
}
export interface QueryResultQuery {
  kind: 'query_result';
  expr: string;
}
export interface MetricsQuery {
  kind: 'metrics';
  regex: string;
}

/** Parses a Prometheus query variable's query (label_values, query_result, metrics). */
export function parseVariableQuery(q: string): LabelValuesQuery | QueryResultQuery | MetricsQuery | undefined {
  const s = q.trim();
  let m = /^label_values\(\s*(.*?)\s*\)$/s.exec(s);
  if (m) {
    const inner = m[1];
    // The label is after the last top-level comma; without a comma it is label_values(label).
    let depth = 0;
    let cut = -1;
    let inStr = false;
    for (let i = 0; i < inner.length; i++) {
      const c = inner[i];
      if (c === '"' && inner[i - 1] !== '\\') inStr = !inStr;
      if (inStr) continue;
      if (c === '{' || c === '(') depth++;
      else if (c === '}' || c === ')') depth--;
      else if (c === ',' && depth === 0) cut = i;
    }
    if (cut < 0) return { kind: 'label_values', label: inner.trim() };
    return { kind: 'label_values', match: inner.slice(0, cut).trim(), label: inner.slice(cut + 1).trim() };
  }
  m = /^query_result\(\s*(.*)\s*\)$/s.exec(s);
  if (m) return { kind: 'query_result', expr: m[1] };
  m = /^metrics\(\s*(.*)\s*\)$/s.exec(s);
  if (m) return { kind: 'metrics', regex: m[1] };
  return undefined;
}

/** Applies a variable's regex to candidate values, the way Grafana does (capture group 1 if any). */
export function applyVariableRegex(values: string[], regex: string | undefined): string[] {
  if (!regex) return values;
  const m = /^\/(.*)\/([gimsuy]*)$/s.exec(regex);
  let re: RegExp;
  try {
    re = m ? new RegExp(m[1], m[2].replace('g', '')) : new RegExp(regex);
  } catch {
    return values;
  }
  const out: string[] = [];
  for (const v of values) {
    const r = re.exec(v);
    if (!r) continue;
    out.push(r.groups?.value ?? r[1] ?? r[0]);
  }
  return [...new Set(out)];
}

/** Variables ordered so each comes after the ones its query refers to. */
export function variableOrder(vars: VariableModel[]): VariableModel[] {
  const byName = new Map(vars.map((v) => [v.name, v]));
  const done = new Set<string>();
  const out: VariableModel[] = [];
  const visit = (v: VariableModel, stack: Set<string>) => {
    if (done.has(v.name) || stack.has(v.name)) return;
    stack.add(v.name);
    for (const dep of referencedVariables(v.query ?? '')) {
      const d = byName.get(dep);
      if (d) visit(d, stack);
    }
    done.add(v.name);
    out.push(v);
  };
  for (const v of vars) visit(v, new Set());
  return out;
}

/** The unit a field (column or series) gets: override by name/regex/refId, else the panel default. */
export function fieldUnit(panel: PanelModel, fieldName: string, refId?: string): string | undefined {
  let unit = panel.unit;
  for (const o of panel.overrides) if (o.unit !== undefined && overrideMatches(o, fieldName, refId)) unit = o.unit;
  return unit;
}

export function overrideMatches(o: FieldOverride, fieldName: string, refId?: string): boolean {
  switch (o.matcher.id) {
    case 'byName':
      return o.matcher.options === fieldName;
    case 'byFrameRefID':
      return refId !== undefined && o.matcher.options === refId;
    case 'byRegexp': {
      const m = /^\/(.*)\/([a-z]*)$/s.exec(o.matcher.options);
      try {
        return new RegExp(m ? m[1] : o.matcher.options, m ? m[2].replace('g', '') : '').test(fieldName);
      } catch {
        return false;
      }
    }
  }
}

/** The colour of a value under threshold steps (the last step whose value ≤ v). */
export function thresholdColor(thresholds: Threshold[], v: number | null | undefined): string | undefined {
  if (thresholds.length === 0 || v === null || v === undefined || Number.isNaN(v)) return undefined;
  let color = thresholds[0].color;
  for (const t of thresholds) if (t.value === null || v >= t.value) color = t.color;
  return color;
}
