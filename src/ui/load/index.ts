// Load feature: "Run Load" (our engine on worker threads), "Stop Load", "Run Load in Cluster" (Locust master +
// workers in the cluster). Live stats go to the Load panel (webview), the progress notification and the log;
// reports are saved to <workspace>/.sockshop/reports.
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import { runClusterLoad } from '../../core/load/cluster';
import { startLoad, type LoadRun } from '../../core/load/engine';
import { loadHtml } from './html';
import { applyBounds, checkNumber, normalizeTarget, parseBetween, parseCookies, parseDecimal } from '../../core/load/inputs';
import { clusterReport, describeModel, loadRunShortfall, reportPathAllowed, saveReport } from '../../core/load/report';
import type { LiveStats, LoadModel, LoadReport, LoadSpec } from '../../core/load/types';
import { makeNonce } from '../webview/page';
import { portForwardService, type PortForwardHandle } from '../../core/kube/portforward';
import { serviceAddress } from '../../core/kube/services';

import { checkWebviewMessage, type HostMessage, type RunInfo, type RunSummary } from '../../common/contracts/load';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { markStepDone } from '../walkthrough-steps';
import { confirmTargetAnswers } from '../preflight';
import { setting } from '../settings';
import { DEFAULT_TARGET_SERVICE } from '../../core/load/target';

const VIEW_TYPE = 'sockShop.load';

interface Active {
  id: number;
  stop(): void;
}

export function register(reg: Registry): void {
  const bounds = () => ({
    maxRequests: setting('load.maxRequests'),
    maxDurationSeconds: setting('load.maxDurationSeconds'),
  });
  let panel: vscode.WebviewPanel | undefined;
  let active: Active | undefined;
  let runCounter = 0;
  let lastRunAgain: (() => Promise<unknown>) | undefined;
  const pending: HostMessage[] = [];
  let webviewReady = false;

  function post(m: HostMessage): void {
    if (!panel) return;
    if (!webviewReady) pending.push(m);
    else void panel.webview.postMessage(m);
  }

  function showPanel(): void {
    if (panel) {
      panel.reveal(vscode.ViewColumn.Beside, true);
      return;
    }
    const root = reg.context.extensionUri;
    panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Load', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'media')],
    });
    panel.iconPath = vscode.Uri.joinPath(root, 'media', 'sock.svg');
    const webview = panel.webview;
    webviewReady = false;
    webview.html = loadHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'load.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'load.css')).toString(),
    });
    const sub = webview.onDidReceiveMessage((raw: unknown) => {
      const checked = checkWebviewMessage(raw);
      if (!checked.ok) {
        reg.log.warn(`load panel: dropped a message: ${checked.error}`);
        return;
      }
      const m = checked.value;
      if (m.type === 'ready') {
        webviewReady = true;
        for (const msg of pending.splice(0)) void webview.postMessage(msg);
      } else if (m.type === 'stop') active?.stop();
      else if (m.type === 'runAgain') void lastRunAgain?.();
      else if (m.type === 'openReport') {
        const dirs = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
        if (!reportPathAllowed(m.path, dirs)) reg.log.warn(`load panel: refused to open ${m.path}: only reports under .sockshop/reports open from the panel`);
        else void openReport(m.path);
      }
    });
    panel.onDidDispose(() => {
      sub.dispose();
      panel = undefined;
      pending.length = 0;
    });
  }

  /** A saved report, as a Markdown preview (its source when no preview is available), from every button alike. */
  async function openReport(file: string): Promise<void> {
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.window.showTextDocument(uri));
  }

  function workspaceDir(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  async function ask(title: string, value: string, validate?: (v: string) => string | undefined, prompt?: string): Promise<string> {
    const v = await vscode.window.showInputBox({ title, value, prompt, ignoreFocusOut: true, validateInput: validate });
    if (v === undefined) throw new CancelledError();
    return v.trim();
  }

  async function askNumber(title: string, value: number, opts: { integer?: boolean; min?: number; max?: number }, prompt?: string): Promise<number> {
    return parseDecimal(await ask(title, String(value), (v) => checkNumber(v, opts), prompt), opts) ?? value;
  }

  /** The front-end URL: load balancer address if any, else an offer to port-forward, else typed in. */
  async function chooseTarget(): Promise<{ url: string; forward?: PortForwardHandle }> {
    const namespace = setting('namespace');
    let suggestion = '';
    let note = '';
    let canForward = false;
    try {
      const kc = await kubeSession(reg).current();
      const addr = await serviceAddress(kc, namespace, DEFAULT_TARGET_SERVICE, 'deploy Sock Shop first');
      suggestion = addr.url ?? '';
      note = addr.note;
      canForward = !addr.url && !!addr.serviceType;
    } catch (err) {
      note = `Could not look up the front-end (${(err as Error)?.message ?? err}).`;
    }
    let forward: PortForwardHandle | undefined;
    if (!suggestion && canForward) {
      const pick = await vscode.window.showQuickPick(
        [
          { label: 'Port-forward to the front-end', description: 'from this machine, like kubectl port-forward', id: 'forward' },
          { label: 'Enter an address', id: 'type' },
        ],
        { title: `Load target — ${note}`, ignoreFocusOut: true },
      );
      if (!pick) throw new CancelledError();
      if (pick.id === 'forward') {
        forward = await portForwardService(await kubeSession(reg).current(), namespace, DEFAULT_TARGET_SERVICE, { missing: 'deploy Sock Shop first' });
        suggestion = forward.url;
        reg.log.info(`load: forwarding ${forward.url} to pod ${forward.pod}`);
      }
    }
    try {
      const typed = await ask('Load target: confirm the host to send load to', suggestion || 'http://', (v) => {
        try {
          normalizeTarget(v);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      }, note || undefined);
      return { url: normalizeTarget(typed), forward };
    } catch (err) {
      await forward?.close();
      throw err;
    }
  }

  async function chooseModel(b: { maxRequests: number; maxDurationSeconds: number }): Promise<{ model: LoadModel; durationSeconds: number; cookies: string[]; keepAlive: boolean }> {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'ab (closed model)', description: 'total requests -n over concurrency -c (workshop: -n 1000 -c 5 -C somecookie=rawr)', id: 'closed' },
        { label: 'Locust: index users', description: "the workshop's locustfile: users × GET / with waits (500 users, 10/s, between(5, 15))", id: 'index' },
        { label: 'Locust: Sock Shop shoppers', description: 'own accounts, browse, log in, cart, order under the payment limit', id: 'sockshop' },
        { label: 'Open model (constant arrival rate)', description: 'latency from the intended send time: stalls are not hidden', id: 'open' },
      ],
      { title: 'Load model', ignoreFocusOut: true },
    );
    if (!pick) throw new CancelledError();
    const maxDur = b.maxDurationSeconds;
    if (pick.id === 'closed') {
      const requests = await askNumber('Total requests (-n)', Math.min(1000, b.maxRequests), { integer: true, min: 1, max: b.maxRequests });
      const concurrency = await askNumber('Concurrency (-c)', 5, { integer: true, min: 1, max: 10_000 });
      const cookies = parseCookies(await ask('Cookies (-C), name=value; … (empty for none)', 'somecookie=rawr', (v) => {
        try {
          parseCookies(v);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      }));
      const ka = await vscode.window.showQuickPick(['Keep-alive on (ab -k)', 'Keep-alive off'], { title: 'Connections', ignoreFocusOut: true });
      if (!ka) throw new CancelledError();
      return { model: { kind: 'closed', requests, concurrency }, durationSeconds: maxDur, cookies, keepAlive: ka.startsWith('Keep-alive on') };
    }
    if (pick.id === 'open') {
      const rate = await askNumber('Arrival rate (requests per second)', 50, { min: 0.1, max: 1_000_000 });
      const durationSeconds = await askNumber('Duration (seconds)', Math.min(60, maxDur), { min: 1, max: maxDur });
      const maxConnections = await askNumber('Connection limit', 200, { integer: true, min: 1, max: 10_000 });
      return { model: { kind: 'open', rate, maxConnections }, durationSeconds, cookies: [], keepAlive: true };
    }
    const users = await askNumber('Users', 500, { integer: true, min: 1, max: 100_000 });
    const spawnRate = await askNumber('Spawn rate (users per second)', 10, { min: 0.01, max: 10_000 });
    const waitSeconds = parseBetween(await ask('Wait between tasks: between(min, max) seconds', '5,15', (v) => {
      try {
        parseBetween(v);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    }));
    const durationSeconds = await askNumber('Duration (seconds)', Math.min(120, maxDur), { min: 1, max: maxDur });
    return { model: { kind: 'users', users, spawnRate, waitSeconds, flow: pick.id as 'index' | 'sockshop' }, durationSeconds, cookies: [], keepAlive: true };
  }

  function summaryOf(r: LoadReport, reportPath?: string): RunSummary {
    return {
      endReason: r.endReason,
      requests: r.requests,
      failures: r.failures,
      failPercent: r.failPercent,
      rps: r.rps,
      p50Ms: r.latencyMs.p50,
      p95Ms: r.latencyMs.p95,
      p99Ms: r.latencyMs.p99,
      statuses: r.statuses,
      failuresByCause: r.failuresByCause,
      reportPath,
    };
  }

  function statsLine(s: LiveStats): string {
    return `${s.elapsedSeconds}s ${s.rps} req/s, ${s.failPercent}% failed, p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms, p99 ${s.p99Ms} ms, ${s.activeUsers} active, ${s.totalRequests} total`;
  }

  async function execute(spec: LoadSpec, forward?: PortForwardHandle): Promise<void> {
    if (active) throw new UserError('A load run is already in progress. Stop it first ("Sock Shop: Stop Load").', 'Busy');
    const id = ++runCounter;
    showPanel();
    const run: RunInfo = { id, title: 'Load run', target: spec.target.url, model: describeModel(spec.model), source: 'engine', startedAt: Date.now() };
    post({ type: 'start', run });
    reg.log.info(`load: start ${run.model} against ${run.target} (bounds: ${spec.maxRequests} requests, ${spec.maxDurationSeconds} s)`);
    let handle: LoadRun | undefined;
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Sock Shop load', cancellable: true },
        async (progress, token) => {
          handle = startLoad(spec, {
            onStats: (s) => {
              post({ type: 'stats', runId: id, stats: s });
              progress.report({ message: `${s.rps} req/s · ${s.failPercent}% failed · p95 ${s.p95Ms} ms · ${s.totalRequests} requests` });
              reg.log.info(`load: ${statsLine(s)}`);
            },
          });
          active = { id, stop: () => handle?.stop() };
          token.onCancellationRequested(() => handle?.stop());
          return handle.done;
        },
      );
      let reportPath: string | undefined;
      const dir = workspaceDir();
      if (dir) {
        const saved = await saveReport(dir, report);
        reportPath = saved.markdown;
        reg.log.info(`load: report saved to ${saved.markdown} and ${saved.json}`);
      }
      post({ type: 'done', runId: id, summary: summaryOf(report, reportPath) });
      const text = `Load ${report.endReason}: ${report.requests} requests, ${report.failPercent}% failed, ${report.rps} req/s, p95 ${report.latencyMs.p95} ms.`;
      reg.log.info(`load: ${text}`);
      const shortfall = loadRunShortfall(report);
      if (!shortfall) markStepDone(reg.context, 'loadRun');
      else reg.log.info(`load: the walkthrough step "Put it under load" stays open: ${shortfall}`);
      const show = shortfall ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      const choice = await show(shortfall ? `${text} The target hardly answered: ${shortfall}.` : text, ...(reportPath ? ['Open Report'] : []));
      if (choice === 'Open Report' && reportPath) await openReport(reportPath);
    } catch (err) {
      post({ type: 'error', runId: id, message: (err as Error)?.message ?? String(err) });
      throw err;
    } finally {
      if ((active as Active | undefined)?.id === id) active = undefined;
      await forward?.close();
    }
  }

  reg.command('sockShop.runLoad', async () => {
    const b = bounds();
    const { url, forward } = await chooseTarget();
    try {
      const chosen = await chooseModel(b);
      const spec = applyBounds(
        {
          target: { url, cookies: chosen.cookies, keepAlive: chosen.keepAlive, timeoutMs: 30_000 },
          model: chosen.model,
          maxRequests: b.maxRequests,
          maxDurationSeconds: chosen.durationSeconds,
        },
        b,
      );
      await confirmTargetAnswers(reg, spec.target, 'Run Load');
      lastRunAgain = () => execute(spec).catch((err) => reg.log.error(`load: ${(err as Error)?.message ?? err}`));
      await execute(spec, forward);
    } catch (err) {
      await forward?.close();
      throw err;
    }
  });

  reg.command('sockShop.stopLoad', () => {
    if (!active) {
      void vscode.window.showInformationMessage('No load run is in progress.');
      return;
    }
    active.stop();
    reg.log.info('load: stop requested');
  });

  reg.command('sockShop.runLoadInCluster', async () => {
    if (active) throw new UserError('A load run is already in progress. Stop it first ("Sock Shop: Stop Load").', 'Busy');
    const b = bounds();
    const namespace = setting('namespace');
    const kc = await kubeSession(reg).current();
    const host = normalizeTarget(await ask('Target as seen from inside the cluster (confirm the host)', `http://front-end.${namespace}`));
    const flowPick = await vscode.window.showQuickPick(
      [
        { label: 'Index users', description: "the workshop's locustfile (GET /)", id: 'index' as const },
        { label: 'Sock Shop shoppers', description: 'own accounts, browse, cart, orders under the payment limit', id: 'sockshop' as const },
      ],
      { title: 'Locust flow', ignoreFocusOut: true },
    );
    if (!flowPick) throw new CancelledError();
    const workers = await askNumber('Locust workers (pods)', 2, { integer: true, min: 1, max: 50 });
    const users = await askNumber('Users', 500, { integer: true, min: 1, max: 1_000_000 });
    const spawnRate = await askNumber('Spawn rate (users per second)', 10, { min: 0.01, max: 100_000 });
    const waitSeconds = parseBetween(await ask('Wait between tasks: between(min, max) seconds', '5,15'));
    const durationSeconds = await askNumber('Duration (seconds)', Math.min(300, b.maxDurationSeconds), { min: 10, max: b.maxDurationSeconds });
    const id = ++runCounter;
    showPanel();
    post({ type: 'start', run: { id, title: 'Load run in cluster (Locust)', target: host, model: `Locust ${flowPick.label}: ${users} users, ${spawnRate}/s, ${workers} workers`, source: 'locust', startedAt: Date.now() } });
    const abort = new AbortController();
    active = { id, stop: () => abort.abort() };
    const options = { namespace, host, workers, users, spawnRate, waitSeconds, flow: flowPick.id, durationSeconds };
    try {
      const timeline = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Sock Shop load in cluster', cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          return runClusterLoad(kc, options, {
            signal: abort.signal,
            onPhase: (m) => {
              progress.report({ message: m });
              post({ type: 'phase', runId: id, message: m });
              reg.log.info(`load (cluster): ${m}`);
            },
            onStats: (s) => {
              post({ type: 'stats', runId: id, stats: s });
              progress.report({ message: `${s.rps} req/s · ${s.failPercent}% failed · ${s.activeUsers} users` });
              reg.log.info(`load (cluster): ${statsLine(s)}`);
            },
          });
        },
      );
      const last = timeline[timeline.length - 1];
      let reportPath: string | undefined;
      const dir = workspaceDir();
      if (dir) reportPath = (await clusterReport(dir, options, timeline)).markdown;
      post({
        type: 'done',
        runId: id,
        summary: {
          endReason: abort.signal.aborted ? 'stopped' : 'completed',
          requests: last?.totalRequests ?? 0,
          failures: last?.totalFailures ?? 0,
          failPercent: last?.totalRequests ? Math.round((10000 * last.totalFailures) / last.totalRequests) / 100 : 0,
          rps: last?.rps ?? 0,
          p50Ms: last?.p50Ms ?? 0,
          p95Ms: last?.p95Ms ?? 0,
          p99Ms: last?.p99Ms ?? 0,
          statuses: {},
          failuresByCause: last?.failuresByCause ?? {},
          reportPath,
        },
      });
      void vscode.window.showInformationMessage(`Cluster load finished: ${last?.totalRequests ?? 0} requests, ${last?.totalFailures ?? 0} failed. The Locust deployment was removed.`);
    } catch (err) {
      post({ type: 'error', runId: id, message: (err as Error)?.message ?? String(err) });
      throw err;
    } finally {
      if (active?.id === id) active = undefined;
    }
  });

  reg.context.subscriptions.push({ dispose: () => active?.stop() });
}
