// Metrics feature: "Open Metrics" / "Open Pod Metrics" (webview panels driven by core's
// MetricsController), "Open Grafana" and "Change Grafana Password" (password kept in SecretStorage only).
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import { refOf } from '../../core/kube/refs';
import { MetricsController } from '../../core/observability/controller';
import { changeGrafanaPassword, DEFAULT_PASSWORDS, defaultGrafanaPassword, findWorkingPassword, GRAFANA_USER, resolveGrafana, type GrafanaEndpoint } from '../../core/observability/grafana';
import { makeNonce, metricsHtml } from './html';
import { detectMonitoring, type GrafanaCredentials } from '../../core/observability/prometheus';
import { DEFAULT_DASHBOARD_UID, checkWebviewMessage, POD_DASHBOARD_UID, TIME_RANGES, type HostMessage, type Settings, type TimeRange } from '../../common/contracts/metrics';
import { kubeSession } from '../kube/session';
import { offerKubeconfigFix } from '../kube/index';
import type { Registry } from '../registry';
import { markStepDone } from '../walkthrough-steps';
import { setting } from '../settings';
import { checkCredentialEndpoint } from '../../core/settings';
import { apiClient, is404 } from '../../core/kube/client';
import { replacementPod } from '../../core/kube/model';
import { executeOwnCommand } from '../commands';

const SECRET_KEY = 'sockShop.grafana.password';
const VIEW_TYPE = 'sockShop.metrics';

interface OpenPanel {
  panel: vscode.WebviewPanel;
  controller: MetricsController;
}

export function register(reg: Registry): void {
  const panels = new Map<string, OpenPanel>();
  let grafana: GrafanaEndpoint | undefined;
  /** The endpoint the extension sends the admin password to: a port-forward rather than a plain-http load balancer. */
  let grafanaForCredentials: GrafanaEndpoint | undefined;
  reg.context.subscriptions.push({ dispose: () => (void grafana?.tunnel?.close(), void grafanaForCredentials?.tunnel?.close()) });
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
      if (initial.range) existing.controller.settings.range = initial.range;
      if (initial.dashboardUid) {
        for (const [k, v] of Object.entries(initial.variables ?? {})) existing.controller.settings.variables[k] = v;
        void existing.controller.selectDashboard(initial.dashboardUid);
      }
      existing.panel.title = title;
      return;
    }
    // A kubeconfig setting naming a missing file: say so with a button to fix it (the panel says it too).
    kubeSession(reg).current().catch((err) => void offerKubeconfigFix(err));
    const root = reg.context.extensionUri;
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'media')],
    });
    panel.iconPath = vscode.Uri.joinPath(root, 'media', 'sock.svg');
    const webview = panel.webview;
    webview.html = metricsHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'metrics.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'metrics.css')).toString(),
      title,
    });
    const controller = new MetricsController(
      {
        post: (msg: HostMessage) => void webview.postMessage(msg),
        kubeConfig: () => kubeSession(reg).current(),
        prometheusUrl: () => setting('prometheus.url') || undefined,
        grafana: grafanaCredentials,
        log: (m) => reg.log.info(`metrics: ${m}`),
        installMonitoring: () => void executeOwnCommand('sockShop.installMonitoring'),
        openGrafana: () => void executeOwnCommand('sockShop.openGrafana'),
        openPodMetrics: (namespace, pod) => void executeOwnCommand('sockShop.openPodMetrics', { kind: 'Pod', name: pod, namespace, range: controller.settings.range }),
      },
      { ...initial, refreshSeconds: setting('metrics.refreshSeconds') },
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
      webview.onDidReceiveMessage((raw: unknown) => {
        const checked = checkWebviewMessage(raw);
        if (checked.ok) void controller.handle(checked.value);
        else reg.log.warn(`metrics panel: dropped a message: ${checked.error}`);
      }),
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

  reg.command('sockShop.openMetrics', () => {
    const namespace = setting('namespace');
    open('namespace', 'Sock Shop Metrics', { dashboardUid: DEFAULT_DASHBOARD_UID, variables: { namespace } });
    markStepDone(reg.context, 'metricsOpened');
  });

  reg.command('sockShop.openPodMetrics', async (arg?: unknown) => {
    let ref = refOf(arg);
    if (!ref || ref.kind !== 'Pod') {
      const namespace = setting('namespace');
      const kc = await kubeSession(reg).current();
      const { CoreV1Api } = await import('@kubernetes/client-node');
      const pods = (await apiClient(kc, CoreV1Api).listNamespacedPod({ namespace })).items;
      const pick = await vscode.window.showQuickPick(
        pods.map((p) => ({ label: p.metadata?.name ?? '', description: p.status?.phase })),
        { title: `Pod metrics: choose a pod in ${namespace}` },
      );
      if (!pick) throw new CancelledError();
      ref = { kind: 'Pod', name: pick.label, namespace };
    }
    // The range chosen in the namespace panel carries over (a pod opened from it, or from the tree while it is open).
    const given = (arg as { range?: unknown } | undefined)?.range;
    const range = (TIME_RANGES as readonly unknown[]).includes(given) ? (given as TimeRange) : panels.get('namespace')?.controller.settings.range;
    open('pod', `Pod Metrics: ${ref.name}`, { dashboardUid: POD_DASHBOARD_UID, variables: { namespace: ref.namespace ?? 'sock-shop', pod: ref.name }, ...(range ? { range } : {}) });
  });

  reg.command('sockShop.openGrafana', async () => {
    const ep = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Finding Grafana…' }, () => grafanaEndpoint());
    const stored = await reg.context.secrets.get(SECRET_KEY);
    const kc = await kubeSession(reg).current();
    const ns = (await detectMonitoring(kc)).namespace;
    await vscode.env.openExternal(vscode.Uri.parse(ep.url));
    const login = stored
      ? `Log in as ${GRAFANA_USER} with the password you set (kept in this editor's secret storage).`
      : `Default login: ${GRAFANA_USER} / ${defaultGrafanaPassword(ns)} (older installs: admin / changeme). Change it with "Sock Shop: Change Grafana Password".`;
    reg.log.info(`Grafana at ${ep.url} via ${ep.via}`);
    void vscode.window.showInformationMessage(`Grafana opened at ${ep.url} (${ep.via}). ${login}`);
  });

  reg.command('sockShop.changeGrafanaPassword', async () => {
    const ep = await grafanaEndpoint(true);
    await assertPasswordMayGo(ep.url);
    const stored = await reg.context.secrets.get(SECRET_KEY);
    let current = await findWorkingPassword(ep.url, [stored, ...DEFAULT_PASSWORDS]);
    if (!current) {
      current = await vscode.window.showInputBox({ title: 'Current Grafana admin password', password: true, ignoreFocusOut: true });
      if (current === undefined) throw new CancelledError();
    }
    const next = await vscode.window.showInputBox({ title: 'New Grafana admin password', password: true, ignoreFocusOut: true, validateInput: (v) => (v.length < 8 ? 'Use at least 8 characters.' : undefined) });
    if (next === undefined) throw new CancelledError();
    const again = await vscode.window.showInputBox({ title: 'New Grafana admin password (again)', password: true, ignoreFocusOut: true });
    if (again === undefined) throw new CancelledError();
    if (again !== next) throw new UserError('The two passwords differ; nothing was changed.', 'Mismatch');
    await changeGrafanaPassword({ url: ep.url, user: GRAFANA_USER, password: current }, next);
    await reg.context.secrets.store(SECRET_KEY, next);
    reg.log.info('Grafana admin password changed (stored in secret storage).');
    void vscode.window.showInformationMessage('Grafana admin password changed. It is kept in this editor\'s secret storage only.');
  });
}
