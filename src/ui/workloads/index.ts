// The Workloads view and what its items can do: Kill pod, Describe, Show Logs, Copy Name, Scale,
// Restart, Show All Namespaces / Sock Shop Only, Show Log — one command per file; the tree and the
// object picker they share are in shared.ts.
import type { Registry } from '../registry';
import { registerCopyName } from './copy-name';
import { registerDescribe } from './describe';
import { registerKillPod } from './kill-pod';
import { registerKillContainer } from './kill-container';
import { registerRestartDeployment } from './restart-deployment';
import { registerScaleDeployment } from './scale-deployment';
import { workloadsTree } from './shared';
import { registerShowAllNamespaces } from './show-all-namespaces';
import { registerShowLogs } from './show-logs';
import { registerShowOutput } from './show-output';
import { registerShowSockShopOnly } from './show-sock-shop-only';

export { DESCRIBE_SCHEME } from './describe';

export function register(reg: Registry): void {
  const tree = workloadsTree(reg);
  tree.attach(reg.tree('sockShop.workloads', tree));

  registerKillPod(reg);
  registerKillContainer(reg);
  registerDescribe(reg);
  registerShowLogs(reg);
  registerCopyName(reg);
  registerScaleDeployment(reg);
  registerRestartDeployment(reg);
  // ---- namespaces filter, log ----
  registerShowAllNamespaces(reg);
  registerShowSockShopOnly(reg);
  registerShowOutput(reg);
}
