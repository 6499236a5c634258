// Show Deployment Logs: one output channel per Deployment with every pod's lines, prefixed by pod, pods
// joining and leaving as they are replaced (src/core/kube/logs.ts); the Output panel's find searches it.
// Follows until "Stop Following Logs" or the channel is closed with the window.
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import { followDeploymentLogs, type DeploymentLogs } from '../../core/kube/logs';
import { refOf } from '../../core/kube/refs';
import { assertCurrentContext } from '../../core/kube/guard';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';

export function register(reg: Registry): void {
  const following = new Map<string, { logs: DeploymentLogs; channel: vscode.OutputChannel }>();
  reg.context.subscriptions.push({ dispose: () => following.forEach((f) => (f.logs.stop(), f.channel.dispose())) });

  reg.command('sockShop.showDeploymentLogs', async (arg?: unknown) => {
    const ref = refOf(arg);
    if (ref?.kind !== 'Deployment' || !ref.namespace) throw new UserError('Show Deployment Logs works on a Deployment: right-click one in the Workloads view.', 'WrongKind');
    const kc = await kubeSession(reg).current();
    assertCurrentContext(ref, kc.getCurrentContext());
    const choice = await vscode.window.showQuickPick(
      [
        { label: 'Follow, last 100 lines of each pod', follow: true, tail: 100 },
        { label: 'Follow, with timestamps', follow: true, tail: 100, timestamps: true },
        { label: 'Last 10 minutes, then follow', follow: true, since: 600 },
        { label: 'Previous containers (after a restart)', follow: false, previous: true, tail: 200 },
      ],
      { title: `Logs of deployment ${ref.name}`, ignoreFocusOut: true },
    );
    if (!choice) throw new CancelledError();
    const key = `${kc.getCurrentContext()}/${ref.namespace}/${ref.name}`;
    following.get(key)?.logs.stop();
    const channel = following.get(key)?.channel ?? vscode.window.createOutputChannel(`Logs: ${ref.namespace}/${ref.name}`);
    channel.show(true);
    channel.appendLine(`=== ${new Date().toISOString()} deployment ${ref.namespace}/${ref.name} (${kc.getCurrentContext()}): ${choice.label}`);
    const logs = await followDeploymentLogs(kc, ref.namespace, ref.name, (l) => channel.appendLine(l), {
      follow: choice.follow,
      previous: choice.previous,
      timestamps: choice.timestamps,
      tailLines: choice.tail,
      sinceSeconds: choice.since,
    });
    following.set(key, { logs, channel });
    if (!choice.follow) void logs.done.then(() => channel.appendLine('=== end'));
    else void vscode.commands.executeCommand('setContext', 'sockShop.followingLogs', true);
  });

  reg.command('sockShop.stopFollowingLogs', () => {
    // The channels stay open to read; Show Deployment Logs reuses them.
    for (const f of following.values()) {
      f.logs.stop();
      f.channel.appendLine(`=== stopped following ${new Date().toISOString()}`);
    }
    void vscode.commands.executeCommand('setContext', 'sockShop.followingLogs', false);
  });
}
