// "Sock Shop: Destroy DOKS Cluster": after the cluster name is typed to confirm (the load balancers and
// volumes that go with it listed), deletes it and its resources and removes its kubeconfig context.
import * as vscode from 'vscode';
import type { DoCluster } from '../../core/digitalocean/client';
import { destroyCluster } from '../../core/digitalocean/flows';
import { defaultKubeconfigPath } from '../../core/digitalocean/kubeconfig';
import { doContextName } from '../../core/digitalocean/validate';
import { isCancellation } from '../../core/errors';
import { loadKubeconfig } from '../../core/kube/kubeconfig';
import { loadBalancerServices, servicesOfLoadBalancer, type LoadBalancerService } from '../../core/kube/services';
import { loadBalancerLabel } from '../../core/digitalocean/view';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { doSession, type DoSession } from './session';
import { doTree, type DoNode, type DoTree } from './tree';
import { targetCluster } from './shared';
import { markStepDone } from '../walkthrough-steps';
import { setting } from '../settings';

export function registerDestroyCluster(reg: Registry): void {
  const session = doSession(reg);
  const tree = doTree(reg);
  reg.command('sockShop.destroyCluster', (arg?: unknown) => destroyCommand(reg, session, tree, arg));
}

/**
 * The LoadBalancer Services of a cluster, through its doctl-named context when the kubeconfig has it, so a
 * load balancer can be named by the Service it serves. Undefined when the cluster cannot be asked (no
 * context, unreachable within a few seconds): the confirmation then says the Service is unknown.
 */
async function clusterLoadBalancerServices(reg: Registry, cluster: DoCluster): Promise<LoadBalancerService[] | undefined> {
  const context = doContextName(cluster.region, cluster.name);
  try {
    const { kc } = loadKubeconfig({ settingPath: setting('kubeconfigPath'), context });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 8 s')), 8_000)));
    return await Promise.race([loadBalancerServices(kc), timeout]).finally(() => clearTimeout(timer));
  } catch (err) {
    reg.log.info(`destroy: the Services of ${cluster.name} could not be listed through context ${context}: ${(err as Error)?.message ?? err}`);
    return undefined;
  }
}

async function destroyCommand(reg: Registry, session: DoSession, tree: DoTree, arg: unknown): Promise<void> {
  const node = arg as DoNode | undefined;
  const fromTree = node && typeof node === 'object' && node.kind === 'cluster' ? node.row : undefined;
  await session.withClient(async (client) => {
    let target: { id?: string; name: string; region?: string };
    if (fromTree) target = { id: fromTree.id, name: fromTree.name, region: fromTree.region };
    else {
      const c = await targetCluster(client, undefined, 'Destroy a DOKS cluster');
      target = { id: c.id, name: c.name, region: c.region };
    }
    const extraPaths = [setting('kubeconfigPath').trim() || defaultKubeconfigPath()];
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Destroy "${target.name}"`, cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return destroyCluster(client, target, {
          signal: ac.signal,
          progress: (m) => progress.report({ message: m }),
          tracker: session.tracker,
          kubeconfigPaths: extraPaths,
          confirm: async (cluster, res, lbs) => {
            const services = await clusterLoadBalancerServices(reg, cluster);
            const lbLabel = (id: string, name: string) => {
              const lb = lbs.find((l) => l.id === id) ?? { id, name };
              return loadBalancerLabel({ ...lb, name: lb.name || name }, services && servicesOfLoadBalancer(lb, services));
            };
            const list = [
              ...res.load_balancers.map((r) => lbLabel(r.id, r.name)),
              ...lbs.filter((l) => !res.load_balancers.some((r) => r.id === l.id)).map((l) => lbLabel(l.id, l.name)),
              ...res.volumes.map((r) => `volume ${r.name}`),
              ...res.volume_snapshots.map((r) => `volume snapshot ${r.name}`),
            ];
            const typed = await vscode.window.showInputBox({
              title: `Destroy DOKS cluster "${cluster.name}"`,
              prompt: `This deletes the cluster and ${list.length ? list.join('; ') : 'no other resources'}. Type the cluster name to confirm.`,
              placeHolder: 'Type the cluster name here (nothing is filled in)',
              ignoreFocusOut: true,
              validateInput: (v) => (v === cluster.name || v === '' ? undefined : `Type "${cluster.name}" exactly.`),
            });
            return typed === cluster.name;
          },
        });
      },
    ).then(
      (r) => r,
      (err) => {
        tree.refresh();
        if (isCancellation(err)) {
          const msg = err instanceof Error && err.message !== 'Cancelled' ? err.message : 'Destroy cancelled; nothing was deleted.';
          void vscode.window.showInformationMessage(msg);
          return undefined;
        }
        throw err;
      },
    );
    if (!result) return;
    tree.refresh();
    kubeSession(reg).reload();
    if (result.outcome === 'already-gone') {
      void vscode.window.showInformationMessage(
        `Cluster "${result.name}" does not exist (already destroyed); nothing to do.${result.contextRemovedFrom.length ? ` Its stale kubeconfig context was removed from ${result.contextRemovedFrom.join(', ')}.` : ''}`,
      );
      return;
    }
    const removed = result.resources.load_balancers.length;
    const ctx = result.contextRemovedFrom.length ? ` Context removed from ${result.contextRemovedFrom.join(', ')}.` : '';
    if (result.remainingLoadBalancers.length) {
      void vscode.window.showWarningMessage(
        `Cluster "${result.cluster.name}" is destroyed, but load balancer(s) ${result.remainingLoadBalancers.map((l) => `${l.name} (${l.id})`).join(', ')} still exist and keep billing — delete them in the DigitalOcean control panel.${ctx}`,
      );
    } else {
      void vscode.window.showInformationMessage(`Cluster "${result.cluster.name}" and its ${removed} load balancer(s) are destroyed; none is left billing.${ctx}`);
    }
    markStepDone(reg.context, 'clusterDestroyed');
  });
}
