// The Deployments whose logs are shown, shared by Show Deployment Logs and Stop Following Logs: one output
// channel per Deployment (by context, namespace and name) and its log follower.
import type * as vscode from 'vscode';
import type { DeploymentLogs } from '../../core/kube/logs';
import type { Registry } from '../registry';

export interface Followed {
  logs: DeploymentLogs;
  channel: vscode.OutputChannel;
}

/** The window's followed Deployments; closing the window stops them and closes their channels. */
export function followedDeployments(reg: Registry): Map<string, Followed> {
  return reg.service('logs.following', () => {
    const following = new Map<string, Followed>();
    reg.context.subscriptions.push({ dispose: () => following.forEach((f) => (f.logs.stop(), f.channel.dispose())) });
    return following;
  });
}
