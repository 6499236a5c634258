// "Sock Shop: Run Load in Cluster": a Locust master and workers as pods in the cluster, their stats on the
// Load panel; the Locust deployment is removed at the end, the report saved under .sockshop/reports.
import * as vscode from 'vscode';
import { runClusterLoad } from '../../core/load/cluster';
import { normalizeTarget, parseBetween } from '../../core/load/inputs';
import { clusterReport } from '../../core/load/report';
import { kubeSession } from '../kube/session';
import { ask, askNumber, pickOne, validating } from '../prompts';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { statsLine, workspaceDir } from './format';
import { activeLoad, loadPanel } from './panel';

export function registerRunLoadInCluster(reg: Registry): void {
  reg.command('sockShop.runLoadInCluster', async () => {
    const active = activeLoad(reg);
    active.assertIdle();
    const maxDurationSeconds = setting('load.maxDurationSeconds');
    const namespace = setting('namespace');
    const kc = await kubeSession(reg).current();
    const host = normalizeTarget(await ask('Target as seen from inside the cluster (confirm the host)', `http://front-end.${namespace}`, validating(normalizeTarget)));
    const flowPick = await pickOne(
      [
        { label: 'Index users', description: "the workshop's locustfile (GET /)", id: 'index' as const },
        { label: 'Sock Shop shoppers', description: 'own accounts, browse, cart, orders under the payment limit', id: 'sockshop' as const },
      ],
      'Locust flow',
    );
    const workers = await askNumber('Locust workers (pods)', 2, { integer: true, min: 1, max: 50 });
    const users = await askNumber('Users', 500, { integer: true, min: 1, max: 1_000_000 });
    const spawnRate = await askNumber('Spawn rate (users per second)', 10, { min: 0.01, max: 100_000 });
    const waitSeconds = parseBetween(await ask('Wait between tasks: between(min, max) seconds', '5,15', validating(parseBetween)));
    const durationSeconds = await askNumber('Duration (seconds)', Math.min(300, maxDurationSeconds), { min: 10, max: maxDurationSeconds });
    active.assertIdle();
    const abort = new AbortController();
    const run = loadPanel(reg).begin(
      { title: 'Load run in cluster (Locust)', target: host, model: `Locust ${flowPick.label}: ${users} users, ${spawnRate}/s, ${workers} workers`, source: 'locust' },
      { stop: () => abort.abort() },
    );
    active.current = { id: run.id, stop: () => abort.abort() };
    const options = { namespace, host, workers, users, spawnRate, waitSeconds, flow: flowPick.id, durationSeconds };
    try {
      const timeline = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Sock Shop load in cluster', cancellable: true }, (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        return runClusterLoad(kc, options, {
          signal: abort.signal,
          onPhase: (m) => {
            progress.report({ message: m });
            run.phase(m);
            reg.log.info(`load (cluster): ${m}`);
          },
          onStats: (s) => {
            run.stats(s);
            progress.report({ message: `${s.rps} req/s · ${s.failPercent}% failed · ${s.activeUsers} users` });
            reg.log.info(`load (cluster): ${statsLine(s)}`);
          },
        });
      });
      const last = timeline[timeline.length - 1];
      const dir = workspaceDir();
      const reportPath = dir ? (await clusterReport(dir, options, timeline)).markdown : undefined;
      run.done({
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
      });
      void vscode.window.showInformationMessage(`Cluster load finished: ${last?.totalRequests ?? 0} requests, ${last?.totalFailures ?? 0} failed. The Locust deployment was removed.`);
    } catch (err) {
      run.error((err as Error)?.message ?? String(err));
      throw err;
    } finally {
      if (active.current?.id === run.id) active.current = undefined;
    }
  });
}
