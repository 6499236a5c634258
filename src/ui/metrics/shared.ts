// What the metrics commands share: the open panels (one per key: the namespace's, a pod's), the Grafana
// endpoints found (the one the password may go to is a port-forward), and the panel opener with its fault
// markers and gone-pod check.
import * as vscode from 'vscode';
import { CancelledError } from '../../core/errors';
import { MetricsController } from '../../core/observability/controller';
import { GRAFANA_USER, resolveGrafana, type GrafanaEndpoint } from '../../core/observability/grafana';
import { METRICS_BODY } from './html';
import { WebviewHost } from '../webview/host';
import { faultTimeline } from '../timeline';
import { detectMonitoring, type GrafanaCredentials } from '../../core/observability/prometheus';
import { checkWebviewMessage, POD_DASHBOARD_UID, type HostMessage, type Settings, type WebviewMessage } from '../../common/contracts/metrics';
import { kubeSession } from '../kube/session';
import { offerKubeconfigFix } from '../kube/index';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { checkCredentialEndpoint } from '../../core/settings';
import { apiClient, is404 } from '../../core/kube/client';
import { replacementPod } from '../../core/kube/model';
import { executeOwnCommand } from '../commands';

export const SECRET_KEY = 'sockShop.grafana.password';
const VIEW_TYPE = 'sockShop.metrics';

export interface OpenPanel {
  panel: vscode.WebviewPanel;
  controller: MetricsController;
}

export interface Metrics {
  panels: Map<string, OpenPanel>;
  grafanaEndpoint(forCredentials?: boolean): Promise<GrafanaEndpoint>;
  assertPasswordMayGo(url: string): Promise<void>;
  open(key: string, title: string, initial: Partial<Settings>): void;
}

export function metrics(reg: Registry): Metrics {
  return reg.service('metrics.feature', () => makeMetrics(reg));
}

function makeMetrics(reg: Registry): Metrics & { dispose(): void } {
  const panels = new Map<string, OpenPanel>();
  let grafana: GrafanaEndpoint | undefined;
  /** The endpoint the extension sends the admin password to: a port-forward rather than a plain-http load balancer. */
  let grafanaForCredentials: GrafanaEndpoint | undefined;
  const unsafeReported = new Set<string>();

  async function grafanaEndpoint(forCredentials = false): Promise<GrafanaEndpoint> {
    const cached = forCredentials ? grafanaForCredentials : grafana;
    if (cached) return cached;
    const kc = await kubeSession(reg).current();
    const monitoring = await detectMonitoring(kc);
    const ep = await resolveGrafana(kc, monitoring, setting('grafana.url') || undefined, (m) => reg.log.info(m), { forCredentials });
    if (forCredentials) grafanaForCredentials = ep;
    else grafana = ep;
    return ep;
  }

  /**
   * Grafana credentials for the metrics panel, only when the user has set a password, and only to an
   * endpoint the password may go to without asking (https, or http on this machine).
   */
  async function grafanaCredentials(): Promise<GrafanaCredentials | undefined> {
    const password = await reg.context.secrets.get(SECRET_KEY);
    if (!password) return undefined;
    const url = setting('grafana.url') || grafanaForCredentials?.url;
    if (!url) return undefined;
    const check = checkCredentialEndpoint(url, 'sockShop.grafana.url');
    if (!check.ok) {
      if (!unsafeReported.has(url)) reg.log.warn(`metrics: not sending the Grafana password: ${check.message}`);
      unsafeReported.add(url);
      return undefined;
    }
    return { url, user: GRAFANA_USER, password };
  }

  /** Asks before the password would travel over plain http to another machine; throws CancelledError on no. */
  async function assertPasswordMayGo(url: string): Promise<void> {
    const check = checkCredentialEndpoint(url, 'Grafana\'s address');
    if (check.ok) return;
    const choice = await vscode.window.showWarningMessage(
      `Send the Grafana admin password to ${url}?`,
      { modal: true, detail: `${check.message} Leave sockShop.grafana.url empty to reach Grafana through a port-forward instead.` },
      'Send Anyway',
    );
    if (choice !== 'Send Anyway') throw new CancelledError();
  }

  function open(key: string, title: string, initial: Partial<Settings>): void {
    const existing = panels.get(key);
    if (existing) {
      existing.panel.reveal();
      // Through the controller, so the panel's toolbar follows (requestId 0: nobody waits for the reply).
      if (initial.range) void existing.controller.handle({ type: 'setRange', range: initial.range, requestId: 0 });
      if (initial.refreshSeconds) void existing.controller.handle({ type: 'setRefresh', seconds: initial.refreshSeconds, requestId: 0 });
      if (initial.dashboardUid) {
        for (const [k, v] of Object.entries(initial.variables ?? {})) existing.controller.settings.variables[k] = v;
        void existing.controller.selectDashboard(initial.dashboardUid);
      }
      existing.panel.title = title;
      return;
    }
    // A kubeconfig setting naming a missing file: say so with a button to fix it (the panel says it too).
    kubeSession(reg).current().catch((err) => void offerKubeconfigFix(err));
    // The controller (made below, before any message can arrive) answers the panel's requests itself.
    const host = new WebviewHost<HostMessage, WebviewMessage>(reg.context.extensionUri, {
      viewType: VIEW_TYPE,
      title,
      bundle: 'metrics',
      body: METRICS_BODY,
      check: checkWebviewMessage,
      replies: 'handler',
      onMessage: async (m) => {
        if (m.type === 'ready') postMarkers();
        await controller.handle(m);
      },
      log: reg.log,
    });
    const panel = host.panel;
    const postMarkers = () => host.post({ type: 'markers', markers: faultTimeline(reg).markers() });
    const controller: MetricsController = new MetricsController(
      {
        post: (msg: HostMessage) => host.post(msg),
        kubeConfig: () => kubeSession(reg).current(),
        prometheusUrl: () => setting('prometheus.url') || undefined,
        grafana: grafanaCredentials,
        log: (m) => reg.log.info(`metrics: ${m}`),
        installMonitoring: () => void executeOwnCommand('sockShop.installMonitoring'),
        openGrafana: () => void executeOwnCommand('sockShop.openGrafana'),
        openPodMetrics: (namespace, pod) => void executeOwnCommand('sockShop.openPodMetrics', { kind: 'Pod', name: pod, namespace, range: controller.settings.range }),
      },
      { refreshSeconds: setting('metrics.refreshSeconds'), ...initial },
    );
    const entry = { panel, controller };
    panels.set(key, entry);
    // A Pod Metrics panel whose pod was killed would go on with "No data": say the pod is gone, offer its replacement.
    let reportedGone: string | undefined;
    const checkPod = async () => {
      const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
      const pod = one(controller.settings.variables.pod);
      const ns = one(controller.settings.variables.namespace) ?? setting('namespace');
      if (!pod || reportedGone === pod || !panel.visible) return;
      const kc = await kubeSession(reg).current();
      const { CoreV1Api } = await import('@kubernetes/client-node');
      const core = apiClient(kc, CoreV1Api);
      try {
        await core.readNamespacedPod({ name: pod, namespace: ns });
        return;
      } catch (err) {
        if (!is404(err)) return;
      }
      reportedGone = pod;
      const next = replacementPod(pod, (await core.listNamespacedPod({ namespace: ns })).items);
      panel.title = `Pod Metrics: ${pod} (gone)`;
      reg.log.info(`metrics: pod ${ns}/${pod} is gone${next ? `; replacement ${next}` : ''}`);
      const show = next ? `Show ${next}` : undefined;
      const pick = await vscode.window.showWarningMessage(
        `Pod ${ns}/${pod} no longer exists (killed or replaced): its panel shows the data it left${next ? `. Its replacement is ${next}.` : ', and no pod replaced it.'}`,
        ...(show ? [show] : []),
      );
      if (pick && pick === show) {
        panel.title = `Pod Metrics: ${next}`;
        open('pod', `Pod Metrics: ${next}`, { dashboardUid: POD_DASHBOARD_UID, variables: { namespace: ns, pod: next! }, range: controller.settings.range });
      }
    };
    const podTimer = key === 'pod' ? setInterval(() => void checkPod().catch((err) => reg.log.info(`metrics: pod check: ${(err as Error)?.message ?? err}`)), 15_000) : undefined;
    const subs: vscode.Disposable[] = [
      faultTimeline(reg).onDidChange(postMarkers),
      // Hidden panels stop polling; shown again they refresh at once.
      panel.onDidChangeViewState((e) => controller.setActive(e.webviewPanel.visible)),
      kubeSession(reg).onDidChangeContext(() => {
        panel.dispose();
        open(key, title, initial);
      }),
    ];
    panel.onDidDispose(() => {
      clearInterval(podTimer);
      panels.delete(key);
      for (const s of subs) s.dispose();
      void controller.dispose();
    });
  }

  return {
    panels,
    grafanaEndpoint,
    assertPasswordMayGo,
    open,
    dispose: () => (void grafana?.tunnel?.close(), void grafanaForCredentials?.tunnel?.close()),
  };
}
