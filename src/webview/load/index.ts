// The Load panel's webview: live tiles, uPlot charts of requests/s, latency percentiles and failure share
// (hover tooltip, legend toggles, drag-to-zoom), a chaos experiment's kill markers on every chart with a
// per-second readiness lane and the kill list, the failure breakdown and per-endpoint table, drawn from what
// the extension host pushes (src/common/contracts/load.ts). Strict CSP: no inline styles or scripts;
// colours come from --vscode-* variables.
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeDataGrid, vsCodeDataGridCell, vsCodeDataGridRow, vsCodeTag } from '@vscode/webview-ui-toolkit';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import '../chart.css';
import './load.css';
import { MAX_SAMPLES, type HostMessage, type LiveStats, type WebviewRequest, type WebviewSavedState } from '../../common/contracts/load';
import { bridge } from '../bootstrap';
import { interactiveCursor, legendToggles, markersPlugin, tooltipPlugin, type ChartMarker } from '../chart-interactions';
import { compactTick, FAILURE_RANGE, hasUsers, loadStart, markerLine, markerSeconds, noResponsesLine, readinessData, rpsTile } from './view';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDataGrid(), vsCodeDataGridRow(), vsCodeDataGridCell(), vsCodeTag());

const host = bridge<WebviewRequest, WebviewSavedState>();

let state: WebviewSavedState = host.saved() ?? { timeline: [] };
/** A request to the host; a refusal (e.g. a report path outside .sockshop/reports) is shown in the status line. */
const send = (m: WebviewRequest): void =>
  void host.request(m).then((r) => {
    if (!r.ok && r.error) {
      replyError = r.error;
      renderHeader();
    }
  });
let replyError: string | undefined;
const save = (): void => host.save(state);
const $ = (id: string): HTMLElement => document.getElementById(id)!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

const colors = () => ({
  blue: cssVar('--vscode-charts-blue', '#3794ff'),
  orange: cssVar('--vscode-charts-orange', '#d18616'),
  red: cssVar('--vscode-charts-red', '#f14c4c'),
  green: cssVar('--vscode-charts-green', '#89d185'),
  fg: cssVar('--vscode-foreground', '#cccccc'),
  grid: cssVar('--vscode-editorWidget-border', '#454545'),
});

interface Chart {
  plot: uPlot;
  data: () => uPlot.AlignedData;
}

/** The markers on the x axis of every chart: seconds after the load started. */
function chartMarkers(): ChartMarker[] {
  const start = loadStart(state.timeline, state.run);
  if (start === undefined) return [];
  return (state.markers ?? []).map((m) => ({ x: markerSeconds(m, start), label: m.label, detail: m.detail, kind: m.kind }));
}

const charts: Chart[] = [];

function makeChart(
  host: HTMLElement,
  series: { label: string; color: string }[],
  data: () => uPlot.AlignedData,
  y: { range?: [number, number]; unit?: string; digits?: number } = {},
): Chart {
  const c = colors();
  const axis = { stroke: c.fg, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid } };
  // Compact tick labels on an axis wide enough for them ("4.9k", not a clipped "0,000").
  const yAxis: uPlot.Axis = { ...axis, size: 52, values: (_u, vals) => vals.map((v) => `${compactTick(v)}${y.unit ?? ''}`) };
  const opts: uPlot.Options = {
    width: Math.max(260, host.clientWidth || 320),
    height: 180,
    scales: { x: { time: false }, y: y.range ? { range: y.range } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [{ ...axis, label: 's' }, yAxis],
    series: [{ label: 't (s)' }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5 }))],
    legend: { show: true, live: false },
    cursor: interactiveCursor(),
    plugins: [
      tooltipPlugin((_si, v) => (v === null || v === undefined ? '–' : `${fmt(v, y.digits ?? 2)}${y.unit ?? ''}`), (t) => `${fmt(t, 1)} s`),
      markersPlugin(chartMarkers, (m) => (m.kind === 'breach' ? c.orange : c.red)),
    ],
  };
  const plot = new uPlot(opts, data(), host);
  legendToggles(() => plot, [...plot.root.querySelectorAll<HTMLElement>('.u-legend .u-series')].slice(1));
  return { plot, data };
}

function buildCharts(): void {
  const c = colors();
  const tl = () => state.timeline;
  const t = (s: LiveStats[]) => s.map((x) => x.elapsedSeconds);
  charts.push(makeChart($('chart-rps'), [{ label: 'req/s', color: c.blue }], () => [t(tl()), tl().map((x) => x.rps)], { digits: 1 }));
  charts.push(
    makeChart(
      $('chart-latency'),
      [
        { label: 'p50', color: c.green },
        { label: 'p95', color: c.orange },
        { label: 'p99', color: c.red },
      ],
      () => [t(tl()), tl().map((x) => x.p50Ms), tl().map((x) => x.p95Ms), tl().map((x) => x.p99Ms)],
      { unit: ' ms' },
    ),
  );
  charts.push(makeChart($('chart-failures'), [{ label: 'fail %', color: c.red }], () => [t(tl()), tl().map((x) => x.failPercent)], { range: FAILURE_RANGE, unit: ' %' }));
  new ResizeObserver(() => {
    for (const ch of [...charts, ...(readyChart ? [readyChart.chart] : [])]) {
      const w = ch.plot.root.parentElement?.clientWidth ?? 320;
      ch.plot.setSize({ width: Math.max(260, w), height: 180 });
    }
  }).observe(document.body);
}

/** The readiness lane: ready pods per target each second, built for the targets of the run it shows. */
let readyChart: { targets: string; chart: Chart } | undefined;
const PALETTE = ['--vscode-charts-green', '--vscode-charts-blue', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-charts-orange'];

function renderReadiness(): void {
  const samples = state.readiness ?? [];
  const lane = $('ready-lane');
  const start = loadStart(state.timeline, state.run);
  if (!samples.length || start === undefined) {
    lane.hidden = true;
    return;
  }
  lane.hidden = false;
  const d = readinessData(samples, start);
  const key = d.targets.join(',');
  const aligned: uPlot.AlignedData = [d.x, ...d.ready];
  if (!readyChart || readyChart.targets !== key) {
    readyChart?.chart.plot.destroy();
    const host = $('chart-ready');
    host.replaceChildren();
    const max = Math.max(1, ...d.desired.flat(), ...d.ready.flat());
    const series = d.targets.map((name, i) => ({ label: `${name} ready`, color: cssVar(PALETTE[i % PALETTE.length], '#89d185') }));
    // Built for this render's data; later renders set theirs (the lane is not in `charts`).
    readyChart = { targets: key, chart: makeChart(host, series, () => aligned, { range: [0, max + 1], digits: 0 }) };
  } else {
    readyChart.chart.plot.setData(aligned);
  }
}

function renderMarkers(): void {
  const list = state.markers ?? [];
  const box = $('markers');
  box.hidden = !list.length;
  if (!list.length) {
    box.replaceChildren();
    return;
  }
  const start = loadStart(state.timeline, state.run);
  const ul = el('ul', 'marker-list');
  for (const m of list) ul.append(el('li', `marker-line ${m.kind}`, markerLine(m, start)));
  box.replaceChildren(el('h2', undefined, `Faults (${list.length})`), ul);
}

function tile(label: string, value: string, cls = ''): HTMLElement {
  const t = el('div', `tile ${cls}`);
  t.append(el('div', 'tile-value', value), el('div', 'tile-label', label));
  return t;
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toLocaleString(undefined, { maximumFractionDigits: digits }) : '–';
}

function renderHeader(): void {
  const run = state.run;
  $('title').textContent = run ? run.title : 'Load';
  $('subtitle').textContent = run ? `${run.target} · ${run.model}` : 'Run "Sock Shop: Run Load" to start.';
  const actions = $('actions');
  actions.replaceChildren();
  const running = run && !state.summary && !state.error;
  if (running) {
    const stop = el('vscode-button' as 'button', 'stop', 'Stop');
    stop.addEventListener('click', () => send({ type: 'stop' }));
    actions.append(stop);
  } else if (run) {
    const again = el('vscode-button' as 'button', 'again', 'Run again');
    again.setAttribute('appearance', 'secondary');
    again.addEventListener('click', () => send({ type: 'runAgain' }));
    actions.append(again);
    const path = state.summary?.reportPath;
    if (path) {
      const open = el('vscode-button' as 'button', 'open-report', 'Open report');
      open.addEventListener('click', () => send({ type: 'openReport', path }));
      actions.append(open);
    }
  }
  const status = $('status');
  const error = state.error ?? replyError;
  status.className = `status${error ? ' error' : ''}`;
  const last = state.timeline[state.timeline.length - 1];
  status.textContent = error
    ? error
    : state.summary
      ? `Finished: ${state.summary.endReason} — ${state.summary.requests.toLocaleString()} requests, ${fmt(state.summary.failPercent, 2)} % failed, ${fmt(state.summary.rps)} req/s.`
      : (state.phase ?? (last ? `${last.state} · ${fmt(last.elapsedSeconds)} s` : run ? 'Starting…' : ''));
}

function renderTiles(): void {
  const last = state.timeline[state.timeline.length - 1];
  const s = state.summary;
  const tiles = $('tiles');
  const rps = rpsTile(last, s);
  tiles.replaceChildren(
    tile(rps.label, fmt(rps.value)),
    tile('failures', `${fmt(last?.failPercent ?? 0, 2)} %`, (last?.failPercent ?? 0) > 0 ? 'bad' : ''),
    tile('p50 ms', fmt(last?.p50Ms ?? 0, 2)),
    tile('p95 ms', fmt(last?.p95Ms ?? 0, 2)),
    tile('p99 ms', fmt(last?.p99Ms ?? 0, 2)),
    ...(hasUsers(state.run) ? [tile('users', fmt(last?.activeUsers ?? 0, 0))] : []),
    tile('requests', (s?.requests ?? last?.totalRequests ?? 0).toLocaleString()),
    tile('failed', (s?.failures ?? last?.totalFailures ?? 0).toLocaleString(), (s?.failures ?? last?.totalFailures ?? 0) > 0 ? 'bad' : ''),
  );
}

function grid(columns: string[], rows: Record<string, string | number>[]): HTMLElement {
  const g = document.createElement('vscode-data-grid') as HTMLElement & { rowsData: unknown; columnDefinitions: unknown };
  g.setAttribute('aria-label', columns.join(', '));
  g.columnDefinitions = columns.map((c) => ({ columnDataKey: c, title: c }));
  g.rowsData = rows;
  return g;
}

function renderTables(): void {
  const s = state.summary;
  const b = $('breakdown');
  b.replaceChildren();
  if (s) {
    b.append(el('h2', undefined, 'Responses and failures'));
    const tags = el('div', 'tags');
    for (const [code, n] of Object.entries(s.statuses)) {
      const t = el('vscode-tag' as 'span', Number(code) >= 400 ? 'bad' : '', `HTTP ${code}: ${n.toLocaleString()}`);
      tags.append(t);
    }
    for (const [cause, n] of Object.entries(s.failuresByCause)) {
      if (cause.startsWith('HTTP ')) continue;
      tags.append(el('vscode-tag' as 'span', 'bad', `${cause}: ${n.toLocaleString()}`));
    }
    b.append(tags);
    const none = noResponsesLine(s);
    if (none) b.append(el('p', 'no-responses', none));
  }
  const last = state.timeline[state.timeline.length - 1];
  const eps = last?.endpoints ?? [];
  const e = $('endpoints');
  e.replaceChildren();
  if (eps.length) {
    e.append(el('h2', undefined, 'Endpoints'));
    e.append(
      grid(
        ['name', 'requests', 'failures', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
        eps.map((x) => ({ name: x.name, requests: x.requests, failures: x.failures, 'p50 ms': x.p50Ms, 'p95 ms': x.p95Ms, 'p99 ms': x.p99Ms, 'max ms': x.maxMs })),
      ),
    );
  }
}

function renderCharts(): void {
  for (const c of charts) c.plot.setData(c.data());
  renderReadiness();
  renderMarkers();
}

function render(): void {
  renderHeader();
  renderTiles();
  renderCharts();
  renderTables();
}

window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const m = ev.data;
  if (m.type === 'reply') {
    host.replied(m);
    return;
  }
  if (m.type === 'start') {
    state = { run: m.run, timeline: [] };
    replyError = undefined;
  } else if (!state.run || m.runId !== state.run.id) {
    return;
  } else if (m.type === 'stats') {
    state.timeline.push(m.stats);
    if (state.timeline.length > MAX_SAMPLES) state.timeline.splice(0, state.timeline.length - MAX_SAMPLES);
    state.phase = undefined;
  } else if (m.type === 'marker') {
    (state.markers ??= []).push(m.marker);
  } else if (m.type === 'readiness') {
    (state.readiness ??= []).push(m.sample);
    if (state.readiness.length > MAX_SAMPLES) state.readiness.splice(0, state.readiness.length - MAX_SAMPLES);
  } else if (m.type === 'phase') {
    state.phase = m.message;
  } else if (m.type === 'done') {
    state.summary = m.summary;
  } else if (m.type === 'error') {
    state.error = m.message;
  }
  save();
  render();
});

buildCharts();
render();
send({ type: 'ready' });
