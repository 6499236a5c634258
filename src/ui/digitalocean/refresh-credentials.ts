// "Sock Shop: Refresh Credentials": fetches new credentials for a DOKS cluster (a tree node, a picked
// cluster, or a kubeconfig context name) and saves them where its kubeconfig is.
import * as vscode from 'vscode';
import type { DoCluster } from '../../core/digitalocean/client';
import { refreshCredentials } from '../../core/digitalocean/flows';
import { defaultKubeconfigPath } from '../../core/digitalocean/kubeconfig';
import { doContextName } from '../../core/digitalocean/validate';
import { UserError } from '../../core/errors';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { doSession, type DoSession } from './session';
import { doTree, type DoTree } from './tree';
import { targetCluster } from './shared';
import { setting } from '../settings';

export function registerRefreshCredentials(reg: Registry): void {
  const session = doSession(reg);
  const tree = doTree(reg);
  reg.command('sockShop.refreshCredentials', (arg?: unknown) => refreshCredentialsCommand(reg, session, tree, arg));
}

async function refreshCredentialsCommand(reg: Registry, session: DoSession, tree: DoTree, arg: unknown): Promise<void> {
  await session.withClient(async (client) => {
    let cluster: DoCluster;
    // Called with a context name (e.g. from the Workloads view on expired credentials): find its cluster.
    if (typeof arg === 'string') {
      const tracked = session.tracker.all().find((t) => t.context === arg);
      const all = await client.listClusters();
      const found = tracked ? all.find((c) => c.id === tracked.id) : all.find((c) => doContextName(c.region, c.name) === arg);
      if (!found) throw new UserError(`No DOKS cluster in this account matches context "${arg}".`, 'NoCluster');
      cluster = found;
    } else {
      cluster = await targetCluster(client, arg, 'Refresh the credentials of a DOKS cluster');
    }
    const tracked = session.tracker.get(cluster.id);
    const path = tracked?.kubeconfigPath ?? (setting('kubeconfigPath').trim() || defaultKubeconfigPath());
    const saved = await refreshCredentials(client, cluster, { path, context: tracked?.context }, { tracker: session.tracker });
    kubeSession(reg).reload();
    tree.refresh();
    void vscode.window.showInformationMessage(
      `New credentials for context ${saved.context} saved in ${saved.path}${saved.expiresAt ? `; they expire ${new Date(saved.expiresAt).toLocaleString()}` : ''}.`,
    );
  });
}
