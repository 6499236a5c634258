// "Sock Shop: Install Monitoring Stack": asks DigitalOcean to install its 1-click Monitoring Stack
// (Prometheus, Grafana, metrics-server) on a running DOKS cluster.
import * as vscode from 'vscode';
import { installMonitoring } from '../../core/digitalocean/flows';
import { UserError } from '../../core/errors';
import type { Registry } from '../registry';
import { doSession, type DoSession } from './session';
import { doTree, type DoTree } from './tree';
import { targetCluster } from './shared';

export function registerInstallMonitoring(reg: Registry): void {
  const session = doSession(reg);
  const tree = doTree(reg);
  reg.command('sockShop.installMonitoring', (arg?: unknown) => installMonitoringCommand(reg, session, tree, arg));
}

async function installMonitoringCommand(reg: Registry, session: DoSession, tree: DoTree, arg: unknown): Promise<void> {
  await session.withClient(async (client) => {
    const cluster = await targetCluster(client, arg, 'Install the Monitoring Stack');
    if (cluster.status?.state !== 'running') throw new UserError(`Cluster "${cluster.name}" is ${cluster.status?.state ?? 'not ready'}; install the Monitoring Stack once it is running.`, 'NotRunning');
    const r = await installMonitoring(client, cluster);
    if (r.outcome === 'failed') throw new UserError(`The Monitoring Stack could not be installed on "${cluster.name}": ${r.error}`, 'InstallFailed');
    reg.log.info(`Monitoring Stack requested on ${cluster.name}: ${r.outcome === 'requested' ? r.message : ''}`);
    tree.refresh();
    void vscode.window.showInformationMessage(
      `The Monitoring Stack install has started on "${cluster.name}" (DigitalOcean installs it in the background; its Services appear in namespace kube-prometheus-stack).`,
    );
  });
}
