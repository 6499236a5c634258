// "Sock Shop: Open Pod Metrics": one pod's dashboard (from the tree, or a pod picked), keeping the namespace
// panel's time range.
import * as vscode from 'vscode';
import { CancelledError } from '../../core/errors';
import { refOf } from '../../core/kube/refs';
import { apiClient } from '../../core/kube/client';
import { POD_DASHBOARD_UID, TIME_RANGES, type TimeRange } from '../../common/contracts/metrics';
import { kubeSession } from '../kube/session';
import { setting } from '../settings';
import type { Registry } from '../registry';
import { metrics } from './shared';

export function registerOpenPodMetrics(reg: Registry): void {
  const m = metrics(reg);
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
    const range = (TIME_RANGES as readonly unknown[]).includes(given) ? (given as TimeRange) : m.panels.get('namespace')?.controller.settings.range;
    m.open('pod', `Pod Metrics: ${ref.name}`, { dashboardUid: POD_DASHBOARD_UID, variables: { namespace: ref.namespace ?? 'sock-shop', pod: ref.name }, ...(range ? { range } : {}) });
  });
}
