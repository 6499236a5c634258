// The metrics panel's webview: Grafana-like panels (uPlot charts, stats, gauges, tables) and kubectl-top
// tables, drawn from what the extension host pushes (contract.ts). Runs under a strict CSP: no inline
// styles or scripts; element styles are set through the CSSOM, colours come from --vscode-* variables.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';
import uPlot from 'uplot';
import { interactiveCursor, legendToggles, markersPlugin, tooltipPlugin } from '../chart-interactions';
import 'uplot/dist/uPlot.min.css';
import '../../../media/metrics.css';
import '../chart.css';
import { bridge } from '../bootstrap';
import { absoluteLabel, fromLocalInput, toLocalInput } from './range';
import { formatTick, formatValue, timeTicks } from '../../common/units';
import {
  REFRESH_CHOICES,
  RANGE_MS,
  TIME_RANGES,
  absoluteRangeProblem,
  type DashboardChoice,
  type HostMessage,
  type PanelState,
  type PanelView,
  type TopState,
  type WebviewRequest,
  type WebviewSavedState,
} from '../../common/contracts/metrics';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDataGrid(), vsCodeDataGridRow(), vsCodeDataGridCell(), vsCodeDropdown(), vsCodeOption(), vsCodeProgressRing());

const host = bridge<WebviewRequest, WebviewSavedState>();

const state: WebviewSavedState = host.saved() ?? {};
let choices: DashboardChoice[] = [];
const renderTimes: number[] = [];
const frameTimes: number[] = [];
(window as unknown as { __metrics: unknown }).__metrics = { renderTimes, frameTimes, state: () => state };

function send(req: WebviewRequest): void {
  void host.request(req).then((r) => {
    if (!r.ok && r.error) renderStatus(false, r.error);
  });
}
function save(): void {
  host.save(state);
}

// ---------------------------------------------------------------------------------------------------
// DOM helpers

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K];
function el(tag: string, cls?: string, text?: string): HTMLElement;
function el(tag: string, cls?: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
const $ = (id: string) => document.getElementById(id)!;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** Grafana colour names → the theme's chart colours. */
function themeColor(name: string | undefined, index = 0): string {
  const palette = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-charts-red'];
  const fallback = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#cca700', '#f14c4c'];
  const named: Record<string, number> = { blue: 0, orange: 1, green: 2, purple: 3, yellow: 4, red: 5, 'dark-red': 5, 'semi-dark-red': 5, 'light-red': 5 };
  if (name && name in named) return cssVar(palette[named[name]], fallback[named[name]]);
  if (name && /^#|^rgb/.test(name)) return name;
  const i = index % palette.length;
  return cssVar(palette[i], fallback[i]);
}

function dropdown(id: string, label: string, options: { value: string; text: string }[], value: string, onChange: (v: string) => void): HTMLElement {
  const wrap = el('label', 'control');
  wrap.append(el('span', 'control-label', label));
  const dd = el('vscode-dropdown') as HTMLElement & { value: string };
  dd.id = id;
  for (const o of options) {
    const opt = el('vscode-option', undefined, o.text) as HTMLElement & { value: string };
    opt.setAttribute('value', o.value);
    if (o.value === value) opt.setAttribute('selected', '');
    dd.append(opt);
  }
  dd.addEventListener('change', () => onChange(dd.value));
  wrap.append(dd);
  return wrap;
}

// ---------------------------------------------------------------------------------------------------
// Toolbar and status

/** True while the user is typing an absolute range that is not applied yet. */
let editingAbsolute = false;

/** From/To inputs (local time) with Apply, and the way back to the relative range. */
function absoluteEditor(s: NonNullable<WebviewSavedState['settings']>): HTMLElement {
  const box = el('div', 'absolute-range');
  const now = Date.now();
  const current = s.absolute ?? { fromMs: now - RANGE_MS[s.range], toMs: now };
  const input = (cls: string, ms: number, label: string) => {
    const i = el('input', cls) as HTMLInputElement;
    i.type = 'datetime-local';
    i.value = toLocalInput(ms);
    i.setAttribute('aria-label', label);
    return i;
  };
  const from = input('abs-from', current.fromMs, 'From');
  const to = input('abs-to', current.toMs, 'To');
  const problem = el('span', 'abs-problem');
  const apply = el('vscode-button', 'abs-apply', 'Apply');
  apply.addEventListener('click', () => {
    const r = { fromMs: fromLocalInput(from.value), toMs: fromLocalInput(to.value) };
    const why = absoluteRangeProblem(r, Date.now());
    problem.textContent = why ?? '';
    if (why) return;
    editingAbsolute = false;
    send({ type: 'setAbsolute', ...r });
  });
  box.append(el('span', 'control-label', 'From'), from, el('span', 'control-label', 'to'), to, apply);
  if (s.absolute) {
    box.prepend(el('span', 'abs-label', absoluteLabel(s.absolute)));
    const back = el('vscode-button', 'abs-back', `Back to last ${s.range}`);
    back.setAttribute('appearance', 'secondary');
    back.addEventListener('click', () => {
      editingAbsolute = false;
      send({ type: 'setRange', range: s.range });
    });
    box.append(back);
  }
  box.append(problem);
  return box;
}

function renderToolbar(): void {
  const bar = $('toolbar');
  bar.replaceChildren();
  const s = state.settings;
  if (!s) return;
  if (choices.length) {
    bar.append(
      dropdown('dashboard', 'Dashboard', choices.map((c) => ({ value: c.uid, text: c.title })), s.dashboardUid ?? '', (uid) => send({ type: 'selectDashboard', uid })),
    );
  }
  for (const v of state.dashboard?.variables ?? []) {
    if (v.hidden || v.name === 'datasource') continue;
    const opts = [...v.options];
    const cur = Array.isArray(v.value) ? v.value[0] ?? '' : v.value;
    if (v.includeAll) opts.unshift('$__all');
    if (cur && !opts.includes(cur)) opts.unshift(cur);
    if (opts.length === 0) opts.push('');
    bar.append(
      dropdown(`var-${v.name}`, v.label, opts.map((o) => ({ value: o, text: o === '$__all' ? 'All' : o === '' ? '(none)' : o })), cur, (value) => send({ type: 'setVariable', name: v.name, value })),
    );
  }
  bar.append(
    dropdown('range', 'Last', [...TIME_RANGES.map((r) => ({ value: r, text: r })), { value: 'absolute', text: 'Absolute…' }], s.absolute || editingAbsolute ? 'absolute' : s.range, (r) => {
      if (r === 'absolute') {
        editingAbsolute = true;
        renderToolbar();
      } else {
        editingAbsolute = false;
        send({ type: 'setRange', range: r as (typeof TIME_RANGES)[number] });
      }
    }),
  );
  if (s.absolute || editingAbsolute) bar.append(absoluteEditor(s));
  bar.append(
    dropdown('refresh', 'Refresh', REFRESH_CHOICES.map((n) => ({ value: String(n), text: n === 0 ? 'Off' : `${n}s` })), String(s.refreshSeconds), (n) => send({ type: 'setRefresh', seconds: Number(n) })),
  );
  const btn = el('vscode-button', undefined, 'Refresh now');
  btn.setAttribute('appearance', 'secondary');
  btn.addEventListener('click', () => send({ type: 'refresh' }));
  bar.append(btn);
}

function renderStatus(loading?: boolean, message?: string): void {
  const box = $('status');
  box.replaceChildren();
  if (loading) box.append(el('vscode-progress-ring', 'ring'));
  const m = state.monitoring;
  const a = state.access;
  const lines = el('div', 'status-lines');
  if (m && !m.namespace) {
    const warn = el('div', 'notice');
    warn.append(el('span', undefined, 'No Monitoring Stack found in this cluster (namespace kube-prometheus-stack or prometheus-operator). '));
    const install = el('vscode-button', undefined, 'Install Monitoring Stack');
    install.addEventListener('click', () => send({ type: 'installMonitoring' }));
    warn.append(install);
    lines.append(warn);
  }
  if (a?.path) {
    const access = el('div', 'access');
    access.append(el('span', 'path-tag', a.path), el('span', undefined, ` Prometheus via ${a.description}`));
    lines.append(access);
  } else if (a?.error) lines.append(el('div', 'error', a.error));
  if (m) lines.append(el('div', m.metricsServer.available ? 'muted' : 'error', m.metricsServer.message));
  if (m?.grafana) {
    const g = el('div', 'muted');
    g.append(el('span', undefined, `Grafana ${m.grafana} `));
    const open = el('vscode-button', undefined, 'Open Grafana');
    open.setAttribute('appearance', 'secondary');
    open.addEventListener('click', () => send({ type: 'openGrafana' }));
    g.append(open);
    lines.append(g);
  }
  if (message) lines.append(el('div', 'notice', message));
  box.append(lines);
}

// ---------------------------------------------------------------------------------------------------
// Dashboard layout

const ROW_PX = 30;
let viewObserver: IntersectionObserver | undefined;
/** Panels in (or near) the viewport; undefined until the observer has reported once (then all draw). */
let visibleIds: Set<number> | undefined;
interface ChartSlot {
  plot?: uPlot;
  body: HTMLElement;
  legend: HTMLElement;
  kind?: string;
  /** What the panel shows now, to skip redrawing identical data. */
  sig?: string;
  grid?: Grid;
  legendCells?: HTMLElement[];
  /** Data that arrived while the panel was scrolled out of view; drawn when it comes into view. */
  pending?: PanelState;
  lastTable?: Extract<PanelState['data'], { kind: 'table' }>;
}
const charts = new Map<number, ChartSlot>();
let resizeObserver: ResizeObserver | undefined;

function renderDashboard(): void {
  const d = state.dashboard;
  const grid = $('grid');
  for (const c of charts.values()) c.plot?.destroy();
  charts.clear();
  resizeObserver?.disconnect();
  viewObserver?.disconnect();
  visibleIds = undefined;
  grid.replaceChildren();
  $('title').textContent = d?.title ?? 'Metrics';
  const skipped = $('skipped');
  skipped.replaceChildren();
  if (!d) return;
  if (d.skipped.length) {
    skipped.append(el('div', 'notice', `Skipped ${d.skipped.length} panel(s): ` + d.skipped.map((s) => `${s.title} (${s.reason})`).join('; ')));
  }
  // Like Grafana, draw only panels in view: the others keep their newest data and draw when scrolled to.
  viewObserver = new IntersectionObserver(
    (entries) => {
      visibleIds ??= new Set();
      const due: PanelState[] = [];
      for (const e of entries) {
        const id = Number((e.target as HTMLElement).dataset.panel);
        if (e.isIntersecting) {
          visibleIds.add(id);
          const c = charts.get(id);
          if (c?.pending) {
            due.push(c.pending);
            c.pending = undefined;
          }
        } else visibleIds.delete(id);
      }
      if (due.length) applyPanels(due);
    },
    { rootMargin: '200px 0px' },
  );
  resizeObserver = new ResizeObserver((entries) => {
    for (const e of entries) {
      const id = Number((e.target as HTMLElement).dataset.panel);
      const c = charts.get(id);
      if (c?.plot) c.plot.setSize(plotSize(c.body));
    }
  });
  const rowOf = new Map<number, number>();
  for (const p of d.panels) if (p.rowId !== undefined) rowOf.set(p.id, p.rowId);
  const rowsDone = new Set<number>();
  const ordered = [...d.panels].sort((a, b) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x);
  const emitRow = (rowId: number) => {
    const r = d.rows.find((x) => x.id === rowId);
    if (!r || rowsDone.has(rowId)) return;
    rowsDone.add(rowId);
    const head = el('button', 'row-header', `${r.collapsed ? '▸' : '▾'} ${r.title}`);
    head.setAttribute('aria-expanded', String(!r.collapsed));
    head.addEventListener('click', () => send({ type: 'toggleRow', rowId: r.id, collapsed: !r.collapsed }));
    grid.append(head);
  };
  for (const r of d.rows) if (r.collapsed) emitRow(r.id);
  for (const p of ordered) {
    const rowId = rowOf.get(p.id);
    if (rowId !== undefined) {
      emitRow(rowId);
      if (d.rows.find((r) => r.id === rowId)?.collapsed) continue;
    }
    grid.append(panelShell(p));
  }
  applyPanels(state.panels ?? []);
}

function panelShell(p: PanelView): HTMLElement {
  const box = el('section', `panel panel-${p.type}`);
  box.dataset.panel = String(p.id);
  box.style.gridColumn = `${p.gridPos.x + 1} / span ${p.gridPos.w}`;
  box.style.height = `${p.gridPos.h * ROW_PX}px`;
  const head = el('header', 'panel-head');
  const titleEl = el('h3', 'panel-title', p.title);
  titleEl.title = p.title;
  head.append(titleEl);
  const err = el('span', 'panel-error');
  err.hidden = true;
  head.append(err);
  if (p.notes.length) head.title = p.notes.join('; ');
  box.append(head);
  const body = el('div', 'panel-body');
  body.dataset.panel = String(p.id);
  const legend = el('div', 'legend');
  const content = el('div', p.type === 'timeseries' ? 'panel-content with-legend' : 'panel-content');
  content.append(body);
  if (p.type === 'timeseries') content.append(legend);
  box.append(content);
  if (p.notes.length) box.append(el('footer', 'panel-notes', p.notes.join('; ')));
  charts.set(p.id, { body, legend });
  viewObserver?.observe(box);
  return box;
}

function plotSize(body: HTMLElement): { width: number; height: number } {
  return { width: Math.max(120, body.clientWidth), height: Math.max(60, body.clientHeight - 4) };
}

function applyPanels(list: PanelState[]): void {
  const d = state.dashboard;
  if (!d) return;
  for (const ps of list) {
    const p = d.panels.find((x) => x.id === ps.id);
    const c = charts.get(ps.id);
    if (!p || !c) continue;
    const box = c.body.closest('.panel') as HTMLElement;
    const err = box.querySelector('.panel-error') as HTMLElement;
    err.hidden = !ps.error;
    err.textContent = ps.error ? `⚠ ${ps.error}` : '';
    err.title = ps.error ?? '';
    box.classList.toggle('failed', !!ps.error);
    box.classList.toggle('stale', !!ps.error && !!ps.data);
    if (visibleIds && !visibleIds.has(ps.id)) {
      c.pending = ps;
      continue;
    }
    c.pending = undefined;
    if (!ps.data) {
      if (!c.body.firstChild) c.body.append(el('div', 'muted center', ps.error ? 'No data yet' : 'Loading…'));
      continue;
    }
    if (ps.data.kind === 'timeseries') drawTimeseries(p, c, ps.data);
    else {
      // Stats and tables from instant queries often do not change between refreshes: skip those.
      const sig = ps.data.kind === 'stat' ? ps.data.values.map((v) => `${v.name}=${v.text}/${v.color ?? ''}`).join('|') : JSON.stringify([ps.data.columns, ps.data.text, tableSort.get(p.id)]);
      if (sig === c.sig) continue;
      c.sig = sig;
      if (ps.data.kind === 'stat') drawStat(p, c, ps.data);
      else drawTable(p, c, ps.data);
    }
  }
}

function drawTimeseries(p: PanelView, c: ChartSlot, data: Extract<PanelState['data'], { kind: 'timeseries' }>): void {
  const fg = cssVar('--vscode-foreground', '#ccc');
  const gridColor = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)');
  const unit = data.series[0]?.unit ?? p.unit;
  let ys = data.series.map((s) => s.values);
  const bands: uPlot.Band[] = [];
  if (p.stacking !== 'none') {
    // Stacked: cumulative sums in legend order; each band fills down to the series below it.
    const acc: (number | null)[][] = [];
    ys.forEach((vals, i) => {
      acc.push(vals.map((v, j) => (v === null ? null : v + (i > 0 ? (acc[i - 1][j] ?? 0) : 0))));
      if (i > 0) bands.push({ series: [i + 1, i] });
    });
    if (p.stacking === 'percent') {
      const tot = acc[acc.length - 1] ?? [];
      ys = acc.map((vals) => vals.map((v, j) => (v === null || !tot[j] ? null : v / (tot[j] as number))));
    } else ys = acc;
  }
  const seriesOpts: uPlot.Series[] = [
    {},
    ...data.series.map((s, i) => {
      const stroke = themeColor(s.color, i);
      return {
        label: s.name,
        stroke,
        width: s.lineWidth ?? p.lineWidth,
        dash: s.dashed ? [6, 4] : undefined,
        fill: p.fillOpacity > 0 ? withAlpha(stroke, p.fillOpacity / 100) : undefined,
        spanGaps: true,
        points: { show: false },
        value: (_u: uPlot, v: number | null) => formatValue(v, s.unit ?? unit, p.decimals),
      } satisfies uPlot.Series;
    }),
  ];
  const thresholds = p.thresholdsStyle !== 'off' ? p.thresholds.filter((t) => t.value !== null) : [];
  const opts: uPlot.Options = {
    ...plotSize(c.body),
    legend: { show: false },
    cursor: interactiveCursor(),
    plugins: [
      tooltipPlugin((si, v) => formatValue(v, data.series[si - 1]?.unit ?? unit, p.decimals)),
      markersPlugin(
        () => (state.markers ?? []).map((m) => ({ x: m.time / 1000, label: m.label, detail: m.detail, kind: m.kind })),
        (m) => cssVar(m.kind === 'breach' ? '--vscode-charts-orange' : '--vscode-charts-red', '#f14c4c'),
      ),
    ],
    series: seriesOpts,
    bands,
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min, p.min ?? 0), Math.max(max, p.max ?? max, p.unit === 'percentunit' ? 0.01 : 0) || 1] } },
    axes: [
      // At least 90 px between time ticks, each "HH:MM" (the date only where it changes), so labels never overlap.
      { stroke: fg, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor }, space: 90, values: (_u, splits) => timeTicks(splits) },
      { stroke: fg, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor }, size: 70, values: (_u, splits) => splits.map((v, i) => formatTick(v, unit, Math.abs((splits[1] ?? v) - (splits[0] ?? 0)) || Math.abs(v) || 1)).map((t, i, all) => (i > 0 && t === all[i - 1] ? '' : t)) },
    ],
    hooks: {
      // Dragging across a time series zooms every panel to that window, as in Grafana: an absolute range.
      setSelect: [
        (u) => {
          if (u.select.width < 8) return;
          const fromMs = Math.round(u.posToVal(u.select.left, 'x') * 1000);
          const toMs = Math.round(u.posToVal(u.select.left + u.select.width, 'x') * 1000);
          if (!absoluteRangeProblem({ fromMs, toMs }, Date.now())) send({ type: 'setAbsolute', fromMs, toMs });
        },
      ],
      draw: [
        (u) => {
          if (!thresholds.length) return;
          const ctx = u.ctx;
          ctx.save();
          for (const t of thresholds) {
            const y = u.valToPos(t.value as number, 'y', true);
            if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
            const color = themeColor(t.color);
            if (/area/.test(p.thresholdsStyle)) {
              ctx.fillStyle = withAlpha(color, 0.12);
              ctx.fillRect(u.bbox.left, u.bbox.top, u.bbox.width, y - u.bbox.top);
            }
            ctx.strokeStyle = color;
            ctx.setLineDash(/dashed/.test(p.thresholdsStyle) ? [8, 6] : []);
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
  const aligned: uPlot.AlignedData = [data.timestamps, ...ys];
  const sameShape = c.plot && c.kind === 'timeseries' && c.plot.series.length === seriesOpts.length && c.plot.series.every((s, i) => i === 0 || s.label === seriesOpts[i].label);
  if (sameShape) c.plot!.setData(aligned);
  else {
    c.plot?.destroy();
    c.body.replaceChildren();
    c.plot = new uPlot(opts, aligned, c.body);
    c.kind = 'timeseries';
    c.grid = undefined;
    c.legendCells = undefined;
    resizeObserver?.observe(c.body);
  }
  // Legend as a table with the last value (Grafana's legend calc "lastNotNull"); same series: only the values change.
  if (sameShape && c.legendCells && c.legendCells.length === data.series.length) {
    data.series.forEach((s, i) => {
      if (c.legendCells![i].textContent !== s.last) c.legendCells![i].textContent = s.last;
    });
    return;
  }
  c.legendCells = [];
  const table = el('table', 'legend-table');
  const rows: HTMLElement[] = [];
  for (const [i, s] of data.series.entries()) {
    const tr = el('tr');
    rows.push(tr);
    const sw = el('span', 'swatch');
    sw.style.backgroundColor = themeColor(s.color, i);
    const name = el('td', 'legend-name');
    name.append(sw, document.createTextNode(s.name));
    name.title = s.name;
    const value = el('td', 'legend-value', s.last);
    c.legendCells.push(value);
    tr.append(name, value);
    table.append(tr);
  }
  if (!data.series.length) table.append(el('tr', 'muted', 'No data'));
  legendToggles(() => c.plot, rows);
  rows.forEach((r, k) => r.classList.toggle('legend-hidden', c.plot?.series[k + 1]?.show === false));
  c.legend.replaceChildren(table);
}

function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})/i.exec(color);
  if (m) {
    const n = parseInt(m[1], 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const r = /^rgba?\(([^)]+)\)/.exec(color);
  if (r) {
    const [a, b, cc] = r[1].split(',').map((x) => x.trim());
    return `rgba(${a}, ${b}, ${cc}, ${alpha})`;
  }
  return color;
}

function drawStat(p: PanelView, c: ChartSlot, data: Extract<PanelState['data'], { kind: 'stat' }>): void {
  c.plot?.destroy();
  c.plot = undefined;
  c.grid = undefined;
  c.kind = 'stat';
  const wrap = el('div', 'stat-values');
  for (const v of data.values) {
    const item = el('div', 'stat');
    const big = el('div', 'stat-value', v.text);
    if (v.color) big.style.color = themeColor(v.color);
    item.append(big);
    if (data.values.length > 1) item.append(el('div', 'stat-name', v.name));
    if (p.type === 'gauge' && v.value !== null) {
      const min = p.min ?? 0;
      const max = p.max ?? (p.unit === 'percentunit' ? 1 : p.unit === 'percent' ? 100 : Math.max(v.value, 1));
      const meter = el('div', 'gauge');
      const fill = el('div', 'gauge-fill');
      fill.style.width = `${Math.max(0, Math.min(100, ((v.value - min) / (max - min || 1)) * 100))}%`;
      fill.style.backgroundColor = themeColor(v.color ?? 'green');
      meter.append(fill);
      item.append(meter);
    }
    wrap.append(item);
  }
  c.body.replaceChildren(wrap);
}

type Grid = HTMLElement & { rowsData: Record<string, string>[]; columnDefinitions: { columnDataKey: string; title: string }[] };

function dataGrid(columns: { key: string; title: string }[], rows: Record<string, string>[], onSort?: (key: string) => void): Grid {
  const g = el('vscode-data-grid') as Grid;
  g.setAttribute('aria-label', 'table');
  g.columnDefinitions = columns.map((c) => ({ columnDataKey: c.key, title: c.title }));
  g.rowsData = rows;
  if (onSort) {
    g.addEventListener('click', (e) => {
      const cell = (e.target as HTMLElement).closest('vscode-data-grid-cell') as (HTMLElement & { columnDefinition?: { columnDataKey: string } }) | null;
      if (cell?.getAttribute('cell-type') === 'columnheader' && cell.columnDefinition) onSort(cell.columnDefinition.columnDataKey);
    });
  }
  return g;
}

const tableSort = new Map<number, { col: number; desc: boolean }>();

function drawTable(p: PanelView, c: ChartSlot, data: Extract<PanelState['data'], { kind: 'table' }>): void {
  if (c.kind !== 'table') {
    c.plot?.destroy();
    c.plot = undefined;
    c.grid = undefined;
  }
  const sort = tableSort.get(p.id);
  const order = data.rows.map((_, i) => i);
  if (sort) {
    order.sort((a, b) => {
      const x = data.rows[a][sort.col];
      const y = data.rows[b][sort.col];
      if (x === null) return 1;
      if (y === null) return -1;
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * (sort.desc ? -1 : 1);
    });
  }
  const cols = data.columns.map((col, i) => ({ key: `c${i}`, title: col.name + (sort?.col === i ? (sort.desc ? ' ▼' : ' ▲') : '') }));
  const rows = order.map((ri) => Object.fromEntries(data.text[ri].map((t, ci) => [`c${ci}`, t])));
  if (rows.length === 0) {
    c.grid = undefined;
    c.kind = 'table-empty';
    c.body.replaceChildren(el('div', 'muted center', 'No data'));
    return;
  }
  if (c.grid && c.kind === 'table') {
    // Same grid element: hand it the new rows (the toolkit re-renders only what changed).
    c.grid.columnDefinitions = cols.map((col) => ({ columnDataKey: col.key, title: col.title }));
    c.grid.rowsData = rows;
    c.lastTable = data;
    return;
  }
  c.lastTable = data;
  const g = dataGrid(cols, rows, (key) => {
    const col = Number(key.slice(1));
    const cur = tableSort.get(p.id);
    tableSort.set(p.id, { col, desc: cur?.col === col ? !cur.desc : true });
    c.sig = undefined;
    drawTable(p, c, c.lastTable!);
  });
  c.grid = g;
  c.kind = 'table';
  c.body.replaceChildren(g);
}

// ---------------------------------------------------------------------------------------------------
// Top tables

let topGrids: { pods?: Grid; nodes?: Grid; head?: HTMLElement; error?: HTMLElement } = {};
let topSig = '';

function renderTop(top: TopState | undefined): void {
  const box = $('top');
  if (!top) {
    box.replaceChildren();
    topGrids = {};
    return;
  }
  const sig = JSON.stringify([top.pods, top.nodes, top.error, state.podSort, state.nodeSort, state.settings?.topAllNamespaces]);
  if (!topGrids.head) {
    topGrids.head = el('div', 'top-head');
    topGrids.error = el('div', 'error');
    box.replaceChildren(topGrids.head, topGrids.error);
  }
  const all = !!state.settings?.topAllNamespaces;
  topGrids.head.replaceChildren(el('h2', undefined, all ? 'Top pods (all namespaces) and nodes (metrics API)' : 'Top pods and nodes (metrics API)'));
  if (top.updatedAt) topGrids.head.append(el('span', 'muted', ` updated ${new Date(top.updatedAt).toLocaleTimeString()}`));
  const scope = el('vscode-button', 'top-scope', all ? 'This namespace only' : 'All namespaces');
  scope.setAttribute('appearance', 'secondary');
  scope.title = all ? 'Show the pods of the dashboard\'s namespace' : 'Show the pods of every namespace, like kubectl top pods --all-namespaces';
  scope.addEventListener('click', () => send({ type: 'setTopScope', allNamespaces: !all }));
  topGrids.head.append(scope);
  if (sig === topSig) return;
  topSig = sig;
  topGrids.error!.textContent = top.error ?? '';
  topGrids.error!.hidden = !top.error;
  const pct = (v: number | undefined) => (v === undefined ? '-' : `${v}%`);
  const place = (key: 'pods' | 'nodes', cols: { key: string; title: string }[], rows: Record<string, string>[], onSort: (k: string) => void) => {
    const g = topGrids[key];
    // The name columns take what the names need (they never wrap mid-word); the numbers share the rest.
    const names = cols.filter((c) => c.key === 'name' || c.key === 'namespace').length;
    const template = `repeat(${names}, minmax(max-content, 3fr)) repeat(${cols.length - names}, minmax(70px, 1fr))`;
    if (g) {
      g.columnDefinitions = cols.map((c) => ({ columnDataKey: c.key, title: c.title }));
      g.rowsData = rows;
      g.setAttribute('grid-template-columns', template);
    } else {
      topGrids[key] = dataGrid(cols, rows, onSort);
      topGrids[key]!.setAttribute('grid-template-columns', template);
      topGrids[key]!.classList.add('top-grid');
      box.append(topGrids[key]!);
    }
  };
  if (top.pods) {
    // By name unless the user sorts by a column: rows keep their place across refreshes (CPU jitters).
    const sort = state.podSort ?? { key: 'name', desc: false };
    const sorted = sortBy(top.pods as unknown as Record<string, unknown>[], sort.key, sort.desc) as unknown as NonNullable<TopState['pods']>;
    const cols = [
      ...(all ? [['namespace', 'Namespace']] : []),
      ['name', 'Pod'], ['cpuMillicores', 'CPU (cores)'], ['cpuRequestPct', 'CPU % req'], ['cpuLimitPct', 'CPU % lim'],
      ['memoryMiB', 'Memory (bytes)'], ['memoryRequestPct', 'Mem % req'], ['memoryLimitPct', 'Mem % lim'], ['restarts', 'Restarts'], ['marker', 'Recently'],
    ].map(([key, title]) => ({ key, title: title + (sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : '') }));
    const rows = sorted.map((r) => ({
      ...(all ? { namespace: r.namespace } : {}),
      name: r.name,
      cpuMillicores: `${r.cpuMillicores}m`,
      cpuRequestPct: pct(r.cpuRequestPct),
      cpuLimitPct: pct(r.cpuLimitPct),
      memoryMiB: `${r.memoryMiB}Mi`,
      memoryRequestPct: pct(r.memoryRequestPct),
      memoryLimitPct: pct(r.memoryLimitPct),
      restarts: String(r.restarts),
      marker: r.marker ? `⟳ ${r.marker}` : '',
    }));
    const fresh = !topGrids.pods;
    place('pods', cols, rows, (key) => {
      state.podSort = { key, desc: state.podSort?.key === key ? !state.podSort.desc : true };
      save();
      renderTop(state.top);
    });
    if (fresh) {
      // A click on a pod's name opens the "Kubernetes / Compute Resources / Pod" dashboard for it.
      topGrids.pods!.addEventListener('click', (e) => {
        const cell = (e.target as HTMLElement).closest('vscode-data-grid-cell') as (HTMLElement & { columnDefinition?: { columnDataKey: string } }) | null;
        if (!cell || cell.getAttribute('cell-type') === 'columnheader' || cell.columnDefinition?.columnDataKey !== 'name') return;
        const pod = cell.textContent?.trim();
        const row = state.top?.pods?.find((r) => r.name === pod);
        if (row) send({ type: 'openPodMetrics', namespace: row.namespace, pod: row.name });
      });
    }
  }
  if (top.nodes) {
    const sort = state.nodeSort ?? { key: 'name', desc: false };
    const sorted = sortBy(top.nodes as unknown as Record<string, unknown>[], sort.key, sort.desc) as unknown as NonNullable<TopState['nodes']>;
    const cols = [['name', 'Node'], ['cpuMillicores', 'CPU (cores)'], ['cpuPct', 'CPU %'], ['memoryMiB', 'Memory (bytes)'], ['memoryPct', 'Memory %']].map(([key, title]) => ({
      key,
      title: title + (sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''),
    }));
    const rows = sorted.map((r) => ({ name: r.name, cpuMillicores: `${r.cpuMillicores}m`, cpuPct: pct(r.cpuPct), memoryMiB: `${r.memoryMiB}Mi`, memoryPct: pct(r.memoryPct) }));
    place('nodes', cols, rows, (key) => {
      state.nodeSort = { key, desc: state.nodeSort?.key === key ? !state.nodeSort.desc : true };
      save();
      renderTop(state.top);
    });
  }
}

function sortBy(rows: Record<string, unknown>[], key: string, desc: boolean): Record<string, unknown>[] {
  const dir = desc ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === undefined || x === null || x === '') return 1;
    if (y === undefined || y === null || y === '') return -1;
    const c = (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * dir;
    // Equal values keep a fixed order (by name), so refreshes do not shuffle them.
    return c || String(a.name ?? '').localeCompare(String(b.name ?? ''));
  });
}

// ---------------------------------------------------------------------------------------------------
// Messages

function handle(msg: HostMessage): void {
  switch (msg.type) {
    case 'settings':
      state.settings = msg.settings;
      renderToolbar();
      break;
    case 'status':
      if (msg.monitoring) state.monitoring = msg.monitoring;
      if (msg.access) state.access = msg.access;
      renderStatus(msg.loading, msg.message);
      break;
    case 'dashboards':
      choices = msg.choices;
      renderToolbar();
      break;
    case 'dashboard': {
      const changed = state.dashboard?.uid !== msg.dashboard.uid;
      state.dashboard = msg.dashboard;
      if (changed) state.panels = [];
      renderToolbar();
      renderDashboard();
      break;
    }
    case 'panels': {
      const t0 = performance.now();
      const byId = new Map((state.panels ?? []).map((p) => [p.id, p]));
      for (const p of msg.panels) byId.set(p.id, p);
      state.panels = [...byId.values()];
      applyPanels(msg.panels);
      const ms = performance.now() - t0;
      renderTimes.push(ms);
      // Time until the next frame is painted (script + style + layout + paint of this update).
      requestAnimationFrame(() => setTimeout(() => frameTimes.push(performance.now() - t0), 0));
      const when = new Date().toLocaleTimeString();
      const failed = msg.panels.filter((p) => p.error).length;
      const fetched = msg.refreshMs > 0 ? `${msg.queries} queries in ${Math.round(msg.refreshMs)} ms` : 'restored';
      $('refresh-info').textContent = `${when} · ${fetched} · drawn in ${ms.toFixed(1)} ms${failed ? ` · ${failed} panel(s) failing` : ''}`;
      send({ type: 'rendered', ms });
      break;
    }
    case 'top':
      state.top = msg.top;
      renderTop(msg.top);
      break;
    case 'markers':
      state.markers = msg.markers;
      // Redraw the time series so the markers show (their data is unchanged).
      for (const c of charts.values()) if (c.kind === 'timeseries') c.plot?.redraw(false, false);
      break;
    case 'reply':
      host.replied(msg);
      return;
  }
  save();
}

window.addEventListener('message', (e: MessageEvent) => {
  const msg = e.data as HostMessage;
  if (msg && typeof msg === 'object' && typeof msg.type === 'string') handle(msg);
});

// Theme switches (dark/light/high contrast) recolour the charts.
new MutationObserver(() => renderDashboard()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// Restore at once from saved state (hide/show), then ask the host for fresh data.
renderToolbar();
renderStatus();
renderDashboard();
renderTop(state.top);
// How much was restored from saved state before the host said anything (checked by the harness).
(window as unknown as { __metrics: Record<string, unknown> }).__metrics.restoredPanels = [...charts.values()].filter((c) => c.kind).length;
send({ type: 'ready' });
