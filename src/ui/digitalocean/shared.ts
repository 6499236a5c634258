// What several DigitalOcean commands share: the cluster a command was invoked on (tree node or picked),
// where to save a cluster's kubeconfig, and pointing the Workloads view at the saved context.
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DoClient, DoCluster } from '../../core/digitalocean/client';
import type { KubeconfigTarget } from '../../core/digitalocean/flows';
import { defaultKubeconfigPath } from '../../core/digitalocean/kubeconfig';
import { doContextName } from '../../core/digitalocean/validate';
import { CancelledError, UserError } from '../../core/errors';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import type { DoNode } from './tree';
import { setting, updateUserSetting } from '../settings';
import type { MultiStepInput } from '../multistep';

/** The cluster a command was invoked on: a tree node, or picked from the account's clusters. */
export async function targetCluster(client: DoClient, arg: unknown, purpose: string): Promise<DoCluster> {
  const node = arg as DoNode | undefined;
  if (node && typeof node === 'object' && node.kind === 'cluster') {
    const fresh = await client.getCluster(node.row.id);
    if (!fresh) throw new UserError(`Cluster "${node.row.name}" no longer exists on DigitalOcean.`, 'ClusterGone');
    return fresh;
  }
  const clusters = await client.listClusters();
  if (clusters.length === 0) throw new UserError('There are no Kubernetes clusters in this DigitalOcean account.', 'NoClusters');
  const pick = await vscode.window.showQuickPick(
    clusters.map((c) => ({ label: c.name, description: `${c.status?.state ?? '?'} · ${c.region} · ${c.version}`, cluster: c })),
    { title: purpose, placeHolder: 'Choose a cluster' },
  );
  if (!pick) throw new CancelledError();
  return pick.cluster;
}

/** Asks where to save the kubeconfig: merged into the current kubeconfig file, or a file of its own. */
export async function pickKubeconfigTarget(w: MultiStepInput, region: string, name: string, before?: KubeconfigTarget): Promise<KubeconfigTarget> {
  const mergePath = setting('kubeconfigPath').trim() || defaultKubeconfigPath();
  const context = doContextName(region, name);
  const separate = join(homedir(), '.kube', `${context}.yaml`);
  const pick = await w.quickPick({
    items: [
      {
        label: 'Merge into the current kubeconfig',
        description: mergePath,
        detail: `Adds context ${context}; other entries are kept and the previous file is backed up.`,
        target: { path: mergePath, mode: 'merge' as const },
      },
      {
        label: 'Separate file',
        description: separate,
        detail: `Writes context ${context} there and sets sockShop.kubeconfigPath in your user settings to it, so the Workloads view switches to it.`,
        target: { path: separate, mode: 'separate' as const },
      },
    ],
    placeholder: "Where should the cluster's kubeconfig go?",
    active: (i) => i.target.mode === before?.mode,
  });
  return pick.target;
}

/** Points the Workloads view at the saved context. */
export async function switchTo(reg: Registry, saved: { path: string; context: string }, mode: KubeconfigTarget['mode']): Promise<void> {
  const kube = kubeSession(reg);
  const current = setting('kubeconfigPath').trim();
  const inUse = kube.files.includes(saved.path) || (!current && saved.path === defaultKubeconfigPath());
  if (mode === 'separate' || !inUse) await updateUserSetting('kubeconfigPath', saved.path);
  await kube.selectContext(saved.context);
  kube.reload();
}
