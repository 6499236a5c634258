// Mocha global fixtures for the integration suite: the lab comes up once before the first test and
// goes down after the last one — unless it was already running (e.g. started by `npm run lab`), in
// which case it is reused as it is and left running. SOCK_SHOP_LAB_KEEP=1 keeps a lab this suite
// started, for looking around afterwards.
import { labDown, labUp, readState, type LabState } from '../lab/lab.ts';
import { clusterHealthy, type ClusterState } from '../lab/cluster.ts';
import { labHome } from '../lab/paths.ts';

let startedHere = false;

export async function mochaGlobalSetup(): Promise<void> {
  const before = readState();
  const reuse = await clusterHealthy(before?.components.cluster as ClusterState | undefined);
  const t0 = Date.now();
  // labUp is idempotent: on a running lab it only starts parts that are missing or dead.
  await labUp();
  startedHere = !reuse;
  process.stderr.write(
    `[lab] ${reuse ? 'reusing the running lab' : 'lab started'} in ${((Date.now() - t0) / 1000).toFixed(1)} s (${labHome()})\n`,
  );
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (!startedHere || process.env.SOCK_SHOP_LAB_KEEP) return;
  await labDown();
}

export interface LabInfo {
  home: string;
  /** Admin kubeconfig (client certificate). */
  kubeconfig: string;
  /** Kubeconfig using the static admin bearer token, like the ones DigitalOcean hands out. */
  tokenKubeconfig: string;
  apiserverUrl: string;
  adminToken: string;
  /** Each component's URLs, e.g. urls.monitoring.prometheus, urls.digitalocean.api. */
  urls: Record<string, Record<string, string>>;
  state: LabState;
}

/** What the tests need to reach the lab; throws when it is not up. */
export function labInfo(): LabInfo {
  const state = readState();
  const cluster = state?.components.cluster as ClusterState | undefined;
  if (!state || !cluster) throw new Error('the lab is not running (the integration hooks start it; or run `npm run lab -- up`)');
  return {
    home: state.home,
    kubeconfig: cluster.kubeconfig,
    tokenKubeconfig: cluster.tokenKubeconfig,
    apiserverUrl: cluster.apiserverUrl,
    adminToken: cluster.adminToken,
    urls: Object.fromEntries(Object.entries(state.components).map(([name, c]) => [name, c.urls ?? {}])),
    state,
  };
}
