// Show Deployment Logs: one output channel per Deployment with every pod's lines, prefixed by pod, pods
// joining and leaving as they are replaced (src/core/kube/logs.ts); the Output panel's find searches it.
// Follows until "Stop Following Logs" or the channel is closed with the window. One command per file;
// the followed Deployments they share are in shared.ts.
import type { Registry } from '../registry';
import { registerShowDeploymentLogs } from './show-deployment-logs';
import { registerStopFollowingLogs } from './stop-following-logs';

export function register(reg: Registry): void {
  registerShowDeploymentLogs(reg);
  registerStopFollowingLogs(reg);
}
