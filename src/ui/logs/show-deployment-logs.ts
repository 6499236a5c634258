// "Sock Shop: Show Deployment Logs": every pod's lines of a Deployment in one output channel, prefixed by
// pod, pods joining and leaving as they are replaced; follows, or shows the previous containers' logs.
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { followDeploymentLogs } from '../../core/kube/logs';
import { refOf } from '../../core/kube/refs';
import { assertCurrentContext } from '../../core/kube/guard';
import { kubeSession } from '../kube/session';
import { pickOne } from '../prompts';
import type { Registry } from '../registry';
import { followedDeployments } from './shared';

export function registerShowDeploymentLogs(reg: Registry): void {
  const following = followedDeployments(reg);
  reg.command('sockShop.showDeploymentLogs', async (arg?: unknown) => {
    const ref = refOf(arg);
    if (ref?.kind !== 'Deployment' || !ref.namespace) throw new UserError('Show Deployment Logs works on a Deployment: right-click one in the Workloads view.', 'WrongKind');
    const kc = await kubeSession(reg).current();
    assertCurrentContext(ref, kc.getCurrentContext());
    const choice = await pickOne(
      [
        { label: 'Follow, last 100 lines of each pod', follow: true, tail: 100 },
        { label: 'Follow, with timestamps', follow: true, tail: 100, timestamps: true },
        { label: 'Last 10 minutes, then follow', follow: true, since: 600 },
        { label: 'Previous containers (after a restart)', follow: false, previous: true, tail: 200 },
      ],
      `Logs of deployment ${ref.name}`,
    );
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
}
