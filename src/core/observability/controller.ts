// The metrics panel's logic on the extension-host side, free of VS Code: it finds the Monitoring Stack,
// reaches Prometheus, loads the dashboard, resolves its variables, refreshes every N seconds (one
// deduplicated batch of queries per refresh) and pushes per-panel results to the webview through `post`.
// Each panel keeps its last data when a refresh fails and recovers on the next good one.
import type { KubeConfig } from '@kubernetes/client-node';
import { describeError, UserError } from '../errors';
import { parseDashboard, type ParsedDashboard } from './dashboards';
import { buildPanel, executePlan, planRefresh, resolveVariables, sentQueries, variableValues, visiblePanels, type ResolvedVariable, type TimeWindow } from './engine';
import { detectMonitoring, resolvePrometheus, type AccessPath, type GrafanaCredentials, type MonitoringStatus, type PrometheusAccess } from './prometheus';
import { configMapSource, firstSource, grafanaSource, type DashboardSource, type DashboardSourceEntry } from './sources';
import { fetchTop } from './top';
import {
  DEFAULT_DASHBOARD_TITLE,
  DEFAULT_DASHBOARD_UID,
  RANGE_MS,
  TIME_RANGES,
  absoluteRangeProblem,
  type AccessView,
  type DashboardView,
  type HostMessage,
  type MonitoringView,
  type PanelState,
  type Settings,
  type TopState,
  type WebviewMessage,
} from '../../common/contracts/metrics';

export interface ControllerDeps {
  post(msg: HostMessage): void;
  kubeConfig(): Promise<KubeConfig>;
  /** sockShop.prometheus.url */
  prometheusUrl?(): string | undefined;
  /** Grafana credentials when the user gave them (SecretStorage). */
  grafana?(): Promise<GrafanaCredentials | undefined>;
  log(message: string): void;
  installMonitoring?(): void;
  openGrafana?(): void;
  openPodMetrics?(namespace: string, pod: string): void;
  /** Restrict the access paths (tests). */
  accessOrder?: readonly AccessPath[];
  /** Namespace of the top-pods table (sockShop.namespace). */
  topNamespace?: string;
  now?(): number;
  timeoutMs?: number;
}

export interface RefreshStats {
  queries: number;
  targets: number;
  ms: number;
  failedPanels: number;
}

export const DEFAULT_SETTINGS: Settings = { range: '1h', refreshSeconds: 5, dashboardUid: DEFAULT_DASHBOARD_UID, variables: { namespace: 'sock-shop' }, collapsedRows: [] };

export class MetricsController {
  settings: Settings;
  monitoring?: MonitoringStatus;
  access?: PrometheusAccess;
  accessError?: string;
  dashboard?: ParsedDashboard;
  variables: ResolvedVariable[] = [];
  readonly panelStates = new Map<number, PanelState>();
  top: TopState = {};
  lastStats?: RefreshStats;
  private source?: DashboardSource;
  private entries: DashboardSourceEntry[] = [];
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<void>;
  private failures = 0;
  private disposed = false;
  private started?: Promise<void>;

  constructor(
    private readonly deps: ControllerDeps,
    initial: Partial<Settings> = {},
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...initial, variables: { ...DEFAULT_SETTINGS.variables, ...(initial.variables ?? {}) } };
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private window(): TimeWindow {
    const a = this.settings.absolute;
    if (a) return { rangeMs: a.toMs - a.fromMs, nowMs: a.toMs };
    return { rangeMs: RANGE_MS[this.settings.range], nowMs: this.now() };
  }

  /** Finds everything, renders once and starts the timer. */
  start(): Promise<void> {
    // A start that failed is not kept: the next start (the panel shown again, a refresh) tries again.
    if (!this.started) {
      const p = this.doStart();
      this.started = p;
      p.catch(() => {
        if (this.started === p) this.started = undefined;
      });
    }
    return this.started;
  }

  private async doStart(): Promise<void> {
    this.deps.post({ type: 'settings', settings: this.settings });
    this.deps.post({ type: 'status', loading: true, message: 'Looking for the Monitoring Stack…' });
    let kc: KubeConfig | undefined;
    try {
      kc = await this.deps.kubeConfig();
      this.kubeError = undefined;
      this.monitoring = await detectMonitoring(kc);
    } catch (err) {
      if (!kc) this.kubeError = describeError(err);
      this.deps.post({ type: 'status', loading: false, message: `Cannot read the cluster: ${describeError(err)}` });
    }
    this.postStatus();
    await this.connect(kc);
    await this.loadSources(kc);
    await this.selectDashboard(this.settings.dashboardUid ?? DEFAULT_DASHBOARD_UID, false);
    await this.refresh();
    this.schedule();
  }

  private monitoringView(): MonitoringView | undefined {
    const m = this.monitoring;
    if (!m) return undefined;
    let doks = false;
    try {
      // DOKS API servers live under *.k8s.ondigitalocean.com.
      doks = /ondigitalocean\.com/.test(this.kcServer ?? '');
    } catch {
      doks = false;
    }
    return {
      namespace: m.namespace,
      prometheus: m.prometheus ? `${m.prometheus.namespace}/${m.prometheus.name}:${m.prometheus.port}` : undefined,
      grafana: m.grafana ? `${m.grafana.namespace}/${m.grafana.name}:${m.grafana.port}${m.grafana.external ? ` (${m.grafana.external})` : ''}` : undefined,
      metricsServer: m.metricsServer,
      doks,
    };
  }
  private kcServer?: string;

  private accessView(): AccessView {
    return this.access ? { path: this.access.path, description: this.access.description } : { error: this.accessError };
  }

  private postStatus(message?: string): void {
    // Without a kubeconfig nothing else works: that stays the message until it is fixed.
    message ??= this.kubeError && `Cannot read the cluster: ${this.kubeError}`;
    this.deps.post({ type: 'status', monitoring: this.monitoringView(), access: this.accessView(), message, loading: false });
  }

  /** Why the kubeconfig could not be loaded (e.g. the file in sockShop.kubeconfigPath is missing). */
  private kubeError: string | undefined;

  private async connect(kc?: KubeConfig): Promise<void> {
    try {
      kc ??= await this.deps.kubeConfig();
      this.kcServer = kc.getCurrentCluster()?.server;
      this.kubeError = undefined;
    } catch (err) {
      kc = undefined;
      this.kubeError = describeError(err);
    }
    const grafana = await this.deps.grafana?.().catch(() => undefined);
    try {
      const { access } = await resolvePrometheus({
        kc,
        monitoring: this.monitoring,
        url: this.deps.prometheusUrl?.() || undefined,
        grafana,
        order: this.deps.accessOrder,
        timeoutMs: this.deps.timeoutMs,
        log: this.deps.log,
      });
      await this.access?.dispose().catch(() => undefined);
      this.access = access;
      this.accessError = undefined;
    } catch (err) {
      // Without a kubeconfig the cluster's Prometheus cannot be looked for: say why, not "no Service found".
      this.accessError = !kc && this.kubeError ? `${this.kubeError} (so the cluster's Prometheus cannot be reached)` : describeError(err);
    }
    this.postStatus();
  }

  private async loadSources(kc?: KubeConfig): Promise<void> {
    const sources: { name: string; source: DashboardSource }[] = [];
    try {
      kc ??= await this.deps.kubeConfig();
      sources.push({ name: 'ConfigMaps', source: configMapSource(kc) });
    } catch {
      /* no cluster */
    }
    const g = await this.deps.grafana?.().catch(() => undefined);
    if (g) sources.push({ name: 'Grafana', source: grafanaSource(g) });
    const found = await firstSource(sources, this.deps.log);
    this.source = found?.source;
    this.entries = found?.entries ?? [];
    this.deps.post({ type: 'dashboards', choices: this.entries.map((e) => ({ uid: e.uid, title: e.title, source: e.source })) });
  }

  /** Loads a dashboard by uid (or title) and resolves its variables. */
  async selectDashboard(uid: string, refresh = true): Promise<void> {
    if (!this.source) {
      this.postStatus(this.monitoring?.namespace ? 'No Grafana dashboards found (ConfigMaps labelled grafana_dashboard=1).' : undefined);
      return;
    }
    const entry = this.entries.find((e) => e.uid === uid || e.title === uid) ?? this.entries.find((e) => e.title === DEFAULT_DASHBOARD_TITLE) ?? this.entries[0];
    try {
      this.dashboard = parseDashboard(entry.json ?? (await this.source.load(entry.uid)));
    } catch (err) {
      this.postStatus(`Dashboard "${entry.title}" cannot be read: ${describeError(err)}`);
      return;
    }
    if (this.settings.dashboardUid !== entry.uid) {
      this.settings.collapsedRows = [];
    }
    this.settings.dashboardUid = entry.uid;
    this.panelStates.clear();
    for (const p of this.dashboard.panels) this.panelStates.set(p.id, { id: p.id });
    await this.resolveVars();
    this.postDashboard();
    this.deps.post({ type: 'settings', settings: this.settings });
    if (refresh) await this.refresh();
  }

  private async resolveVars(): Promise<void> {
    if (!this.dashboard) return;
    const chosen = { ...this.settings.variables };
    // A namespace/pod choice applies only where the dashboard has such a variable.
    for (const k of Object.keys(chosen)) if (!this.dashboard.variables.some((v) => v.name === k)) delete chosen[k];
    this.variables = await resolveVariables(this.dashboard, this.access?.client, chosen, this.window());
  }

  private dashboardView(): DashboardView | undefined {
    const d = this.dashboard;
    if (!d) return undefined;
    const collapsed = new Set(this.settings.collapsedRows);
    return {
      uid: d.uid,
      title: d.title,
      panels: d.panels.map(({ targets: _t, transformations: _x, overrides: _o, legendCalcs: _l, minInterval: _m, maxDataPoints: _d, colorMode: _c, ...view }) => view),
      rows: d.rows.map((r) => ({ id: r.id, title: r.title, collapsed: collapsed.has(r.id) || (r.collapsed && !this.expandedRows.has(r.id)) })),
      skipped: d.skipped,
      variables: this.variables.map((v) => ({ ...v })),
    };
  }
  private expandedRows = new Set<number>();

  private postDashboard(): void {
    const view = this.dashboardView();
    if (view) this.deps.post({ type: 'dashboard', dashboard: view });
  }

  private collapsedSet(): Set<number> {
    const s = new Set(this.settings.collapsedRows);
    for (const r of this.dashboard?.rows ?? []) if (r.collapsed && !this.expandedRows.has(r.id)) s.add(r.id);
    return s;
  }

  /** One refresh: panels (one deduplicated batch) and the top tables, concurrently. Overlapping calls share a run. */
  refresh(): Promise<void> {
    this.running ??= this.doRefresh().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async doRefresh(): Promise<void> {
    await Promise.all([this.refreshPanels(), this.refreshTop()]);
  }

  private async refreshPanels(): Promise<void> {
    const d = this.dashboard;
    if (!d) return;
    const t0 = performance.now();
    if (!this.access) await this.connect();
    const panels = visiblePanels(d, this.collapsedSet());
    if (this.variables.some((v) => v.error) && this.access) await this.resolveVars().then(() => this.postDashboard());
    const plan = planRefresh(d, panels, variableValues(this.variables), this.window());
    let failed = 0;
    if (!this.access) {
      for (const p of panels) {
        const st = this.panelStates.get(p.id) ?? { id: p.id };
        this.panelStates.set(p.id, { ...st, error: this.accessError ?? 'Prometheus is not reachable' });
      }
      failed = panels.length;
    } else {
      const outcomes = await executePlan(this.access.client, plan);
      for (const p of panels) {
        const o = buildPanel(p, plan.uses.get(p.id) ?? [], outcomes);
        const st = this.panelStates.get(p.id) ?? { id: p.id };
        if (o.data) this.panelStates.set(p.id, { id: p.id, data: o.data, updatedAt: this.now() });
        else {
          failed++;
          this.panelStates.set(p.id, { ...st, error: o.error });
        }
      }
    }
    const ms = performance.now() - t0;
    this.lastStats = { queries: this.access ? sentQueries(plan) : 0, targets: plan.targetCount, ms, failedPanels: failed };
    this.deps.post({ type: 'panels', panels: panels.map((p) => this.panelStates.get(p.id)!), refreshMs: ms, queries: this.lastStats.queries });
    // Every panel failing three times in a row: the access path may be gone (pod moved, tunnel dead);
    // look again, in the order of preference, without holding up the refresh.
    if (panels.length && failed === panels.length) {
      if (++this.failures >= 3) {
        this.failures = 0;
        void this.connect();
      }
    } else this.failures = 0;
  }

  private async refreshTop(): Promise<void> {
    try {
      const kc = await this.deps.kubeConfig();
      const ns = this.deps.topNamespace ?? (typeof this.settings.variables.namespace === 'string' ? this.settings.variables.namespace : 'sock-shop');
      const top = await fetchTop(kc, this.settings.topAllNamespaces ? undefined : ns, { nowMs: this.now() });
      this.top = { ...top, updatedAt: this.now() };
    } catch (err) {
      this.top = { ...this.top, error: describeError(err) };
    }
    this.deps.post({ type: 'top', top: this.top });
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.disposed || this.settings.refreshSeconds <= 0) return;
    this.timer = setInterval(() => void this.refresh(), this.settings.refreshSeconds * 1000);
  }

  /** Pauses auto-refresh (panel hidden) or resumes it. */
  setActive(active: boolean): void {
    if (!active) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
    } else if (!this.timer && this.started) {
      this.schedule();
      void this.refresh();
    }
  }

  /** Re-sends everything (a webview that was hidden and shown again, or reloaded). */
  replay(): void {
    this.deps.post({ type: 'settings', settings: this.settings });
    this.postStatus();
    this.deps.post({ type: 'dashboards', choices: this.entries.map((e) => ({ uid: e.uid, title: e.title, source: e.source })) });
    this.postDashboard();
    if (this.dashboard) this.deps.post({ type: 'panels', panels: [...this.panelStates.values()], refreshMs: 0, queries: this.lastStats?.queries ?? 0 });
    this.deps.post({ type: 'top', top: this.top });
  }

  async handle(msg: WebviewMessage): Promise<void> {
    let error: string | undefined;
    try {
      switch (msg.type) {
        case 'ready':
          if (this.started) this.replay();
          else void this.start();
          break;
        case 'setRange':
          if (!TIME_RANGES.includes(msg.range)) throw new Error(`unknown range ${msg.range}`);
          this.settings.range = msg.range;
          delete this.settings.absolute;
          this.deps.post({ type: 'settings', settings: this.settings });
          await this.refresh();
          break;
        case 'setAbsolute': {
          const problem = absoluteRangeProblem(msg, this.now());
          if (problem) throw new UserError(problem, 'BadInput');
          this.settings.absolute = { fromMs: Math.round(msg.fromMs), toMs: Math.round(msg.toMs) };
          this.deps.post({ type: 'settings', settings: this.settings });
          await this.refresh();
          break;
        }
        case 'setTopScope':
          this.settings.topAllNamespaces = msg.allNamespaces;
          this.deps.post({ type: 'settings', settings: this.settings });
          await this.refreshTop();
          break;
        case 'setRefresh':
          this.settings.refreshSeconds = Math.max(0, Math.floor(msg.seconds));
          this.deps.post({ type: 'settings', settings: this.settings });
          this.schedule();
          break;
        case 'setVariable':
          this.settings.variables[msg.name] = msg.value;
          await this.resolveVars();
          this.postDashboard();
          if (msg.name === 'namespace') void this.refreshTop();
          await this.refresh();
          break;
        case 'selectDashboard':
          await this.selectDashboard(msg.uid);
          break;
        case 'toggleRow': {
          const set = new Set(this.settings.collapsedRows);
          if (msg.collapsed) set.add(msg.rowId);
          else {
            set.delete(msg.rowId);
            this.expandedRows.add(msg.rowId);
          }
          this.settings.collapsedRows = [...set];
          this.postDashboard();
          if (!msg.collapsed) await this.refresh();
          break;
        }
        case 'refresh':
          await this.refresh();
          break;
        case 'installMonitoring':
          this.deps.installMonitoring?.();
          break;
        case 'openGrafana':
          this.deps.openGrafana?.();
          break;
        case 'openPodMetrics':
          this.deps.openPodMetrics?.(msg.namespace, msg.pod);
          break;
        case 'rendered':
          this.lastRenderMs = msg.ms;
          break;
      }
    } catch (err) {
      error = describeError(err);
    }
    this.deps.post({ type: 'reply', requestId: msg.requestId, ok: !error, error });
  }
  lastRenderMs?: number;

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    await this.access?.dispose().catch(() => undefined);
    this.access = undefined;
  }
}
