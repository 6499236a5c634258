// "Sock Shop: Connect": saves the kubeconfig of a running DOKS cluster (merged or a file of its own) and
// points the Workloads view at its context.
import * as vscode from 'vscode';
import { saveKubeconfig, type KubeconfigTarget } from '../../core/digitalocean/flows';
import { UserError } from '../../core/errors';
import type { Registry } from '../registry';
import { doSession, type DoSession } from './session';
import { doTree, type DoTree } from './tree';
import { pickKubeconfigTarget, switchTo, targetCluster } from './shared';
import { MultiStepInput } from '../multistep';

export function registerConnectCluster(reg: Registry): void {
  const session = doSession(reg);
  const tree = doTree(reg);
  reg.command('sockShop.connectCluster', (arg?: unknown) => connectCommand(reg, session, tree, arg));
}

async function connectCommand(reg: Registry, session: DoSession, tree: DoTree, arg: unknown): Promise<void> {
  await session.withClient(async (client) => {
    const cluster = await targetCluster(client, arg, 'Connect to a DOKS cluster');
    if (cluster.status?.state !== 'running') {
      throw new UserError(`Cluster "${cluster.name}" is ${cluster.status?.state ?? 'not ready'}; connect once it is running.`, 'NotRunning');
    }
    let target: KubeconfigTarget | undefined;
    const chosen = await new MultiStepInput("Save the cluster's kubeconfig", 1).run([async (w) => void (target = await pickKubeconfigTarget(w, cluster.region, cluster.name))]);
    if (!chosen || !target) return;
    const saved = await saveKubeconfig(client, cluster, target, { tracker: session.tracker });
    await switchTo(reg, saved, target.mode);
    tree.refresh();
    void vscode.window.showInformationMessage(`Connected: context ${saved.context} in ${saved.path}${saved.expiresAt ? ` (credentials expire ${new Date(saved.expiresAt).toLocaleString()})` : ''}.`);
  });
}
