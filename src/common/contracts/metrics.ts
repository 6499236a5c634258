// The one message contract between the metrics panel's extension-host side (src/ui/metrics,
// src/core/observability/controller.ts) and its webview (src/webview/metrics). Type-only imports, so
// the webview bundle pulls no host code.
import type { PanelModel } from '../../core/observability/dashboards';
import type { PanelData } from '../../core/observability/engine';
import type { NodeTop, PodTop } from '../../core/observability/top';
import type { AccessPath } from '../../core/observability/prometheus';
import type { FaultMarker } from './markers';

export type { PanelData, NodeTop, PodTop };
import { bool, checkMessage, int, num, str, strOrList, type Checked, type FieldCheck } from '../validate';

export const TIME_RANGES = ['5m', '15m', '1h', '6h', '12h', '24h'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];
export const RANGE_MS: Record<TimeRange, number> = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '6h': 21_600_000, '12h': 43_200_000, '24h': 86_400_000 };
/** The workshop's Observe step: "Last 5 minutes", refreshed every 5 s (the panel's start from the walkthrough). */
export const WORKSHOP_RANGE: TimeRange = '5m';
export const WORKSHOP_REFRESH_SECONDS = 5;

/** An absolute time range (epoch ms), e.g. dragged on a chart or typed in. */
export interface AbsoluteRange {
  fromMs: number;
  toMs: number;
}

export const MIN_ABSOLUTE_MS = 60_000;
export const MAX_ABSOLUTE_MS = 31 * 86_400_000;

/** Why an absolute range cannot be shown (undefined when it can): from before to, 1 minute to 31 days, not in the future. */
export function absoluteRangeProblem(r: AbsoluteRange, nowMs: number): string | undefined {
  if (!Number.isFinite(r.fromMs) || !Number.isFinite(r.toMs)) return 'Both ends of the range must be dates.';
  if (r.toMs <= r.fromMs) return 'The range must end after it starts.';
  if (r.toMs - r.fromMs < MIN_ABSOLUTE_MS) return 'The range must be at least 1 minute long.';
  if (r.toMs - r.fromMs > MAX_ABSOLUTE_MS) return 'The range can be at most 31 days long.';
  if (r.fromMs > nowMs) return 'The range starts in the future.';
  return undefined;
}
export const REFRESH_CHOICES = [0, 5, 10, 30, 60] as const;

/** Panel layout and rendering options: the part of a PanelModel the webview needs (the same fields, by type). */
export type PanelView = Pick<
  PanelModel,
  'id' | 'title' | 'type' | 'description' | 'gridPos' | 'rowId' | 'unit' | 'decimals' | 'min' | 'max' | 'stacking' | 'fillOpacity' | 'lineWidth' | 'thresholds' | 'thresholdsStyle' | 'notes'
>;

export interface RowView {
  id: number;
  title: string;
  collapsed: boolean;
}

export interface VariableView {
  name: string;
  label: string;
  options: string[];
  value: string | string[];
  multi: boolean;
  includeAll: boolean;
  hidden: boolean;
  error?: string;
}

export interface DashboardView {
  uid: string;
  title: string;
  panels: PanelView[];
  rows: RowView[];
  skipped: { id?: number; title: string; type?: string; reason: string }[];
  variables: VariableView[];
}

export interface PanelState {
  id: number;
  /** Last good data (kept when a later refresh fails). */
  data?: PanelData;
  /** Error of the latest refresh, if it failed. */
  error?: string;
  /** Unix ms of the data shown. */
  updatedAt?: number;
}

export interface TopState {
  pods?: PodTop[];
  nodes?: NodeTop[];
  error?: string;
  updatedAt?: number;
}

export interface AccessView {
  path?: AccessPath;
  description?: string;
  error?: string;
}

export interface MonitoringView {
  /** Namespace of the Monitoring Stack; undefined: none found. */
  namespace?: string;
  prometheus?: string;
  grafana?: string;
  metricsServer: { available: boolean; message: string };
  /** The cluster looks like DOKS (offer the 1-click install). */
  doks?: boolean;
}

export interface Settings {
  range: TimeRange;
  /** When set, the panels show this window instead of the last `range`. */
  absolute?: AbsoluteRange;
  /** The top-pods table over every namespace (kubectl top pods --all-namespaces). */
  topAllNamespaces?: boolean;
  refreshSeconds: number;
  dashboardUid?: string;
  variables: Record<string, string | string[]>;
  collapsedRows: number[];
}

export interface DashboardChoice {
  uid: string;
  title: string;
  source: string;
}

// ---- host → webview (pushes and replies)

export type HostMessage =
  | { type: 'settings'; settings: Settings }
  | { type: 'status'; monitoring?: MonitoringView; access?: AccessView; message?: string; loading?: boolean }
  | { type: 'dashboards'; choices: DashboardChoice[] }
  | { type: 'dashboard'; dashboard: DashboardView }
  | { type: 'panels'; panels: PanelState[]; refreshMs: number; queries: number }
  | { type: 'top'; top: TopState }
  /** Faults of the last hours (kills, drains, breaches), drawn on every time series. */
  | { type: 'markers'; markers: FaultMarker[] }
  | { type: 'reply'; requestId: number; ok: boolean; error?: string };

// ---- webview → host (requests carry an id; the host answers with a 'reply')

export type WebviewRequest =
  | { type: 'ready' }
  | { type: 'setRange'; range: TimeRange }
  | { type: 'setAbsolute'; fromMs: number; toMs: number }
  | { type: 'setTopScope'; allNamespaces: boolean }
  | { type: 'setRefresh'; seconds: number }
  | { type: 'setVariable'; name: string; value: string | string[] }
  | { type: 'selectDashboard'; uid: string }
  | { type: 'toggleRow'; rowId: number; collapsed: boolean }
  | { type: 'refresh' }
  | { type: 'installMonitoring' }
  | { type: 'openGrafana' }
  | { type: 'openPodMetrics'; namespace: string; pod: string }
  /** The webview reports how long applying the last 'panels' push took (for the benchmark). */
  | { type: 'rendered'; ms: number };

export type WebviewMessage = WebviewRequest & { requestId: number };

/** What the webview keeps with setState so hide/show restores at once. */
export interface WebviewSavedState {
  settings?: Settings;
  dashboard?: DashboardView;
  panels?: PanelState[];
  top?: TopState;
  monitoring?: MonitoringView;
  access?: AccessView;
  podSort?: { key: string; desc: boolean };
  nodeSort?: { key: string; desc: boolean };
  markers?: FaultMarker[];
}

export const DEFAULT_DASHBOARD_UID = '85a562078cdf77779eaa1add43ccec1e';
export const POD_DASHBOARD_UID = '6581e46e4e5c7ba40a07646395ef7b23';
export const DEFAULT_DASHBOARD_TITLE = 'Kubernetes / Compute Resources / Namespace (Pods)';
export const POD_DASHBOARD_TITLE = 'Kubernetes / Compute Resources / Pod';

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** What every webview request may carry, field by field (types and ranges); see src/common/validate.ts. */
const REQUESTS: Record<WebviewRequest['type'], Record<string, FieldCheck>> = {
  ready: {},
  setRange: { range: str({ oneOf: TIME_RANGES }) },
  setAbsolute: { fromMs: num(0, 1e14), toMs: num(0, 1e14) },
  setTopScope: { allNamespaces: bool },
  setRefresh: { seconds: int(0, 3600) },
  setVariable: { name: str({ max: 100, pattern: /^[A-Za-z_][A-Za-z0-9_]*$/ }), value: strOrList({ max: 512, maxItems: 500 }) },
  selectDashboard: { uid: str({ max: 100, pattern: /^[A-Za-z0-9_-]+$/ }) },
  toggleRow: { rowId: int(0, 1_000_000), collapsed: bool },
  refresh: {},
  installMonitoring: {},
  openGrafana: {},
  openPodMetrics: { namespace: str({ max: 63, pattern: K8S_NAME }), pod: str({ max: 253, pattern: K8S_NAME }) },
  rendered: { ms: num(0, 600_000) },
};

/** The message, checked against the contract (unknown types, missing, extra and out-of-range fields fail). */
export function checkWebviewMessage(m: unknown): Checked<WebviewMessage> {
  return checkMessage<WebviewMessage>(m, REQUESTS, { requestId: int(0, Number.MAX_SAFE_INTEGER) });
}

