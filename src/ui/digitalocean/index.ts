// DigitalOcean commands: sign in / out, the clusters tree, Create DOKS Cluster (wizard + cancellable
// progress), Connect, Refresh Credentials, Install Monitoring Stack, Destroy, one command per file (what
// they share: session.ts, tree.ts, shared.ts). The flows themselves live in src/core/digitalocean/flows.ts.
import type { Registry } from '../registry';
import { registerConnectCluster } from './connect-cluster';
import { registerCreateCluster } from './create-cluster';
import { registerDestroyCluster } from './destroy-cluster';
import { registerInstallMonitoring } from './install-monitoring';
import { registerRefreshClusters } from './refresh-clusters';
import { registerRefreshCredentials } from './refresh-credentials';
import { registerSignIn } from './sign-in';
import { registerSignOut } from './sign-out';
import { doTree } from './tree';

export function register(reg: Registry): void {
  const tree = doTree(reg);
  tree.attach(reg.tree('sockShop.digitalocean', tree));

  registerSignIn(reg);
  registerSignOut(reg);
  registerRefreshClusters(reg);
  registerCreateCluster(reg);
  registerConnectCluster(reg);
  registerRefreshCredentials(reg);
  registerInstallMonitoring(reg);
  registerDestroyCluster(reg);
}
