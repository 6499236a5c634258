// Load feature: "Run Load" (our engine on worker threads), "Stop Load", "Run Load in Cluster" (Locust master +
// workers in the cluster), one command per file; live stats go to the Load panel (panel.ts), which chaos
// experiments use too.
import type { Registry } from '../registry';
import { registerRunLoad } from './run-load';
import { registerRunLoadInCluster } from './run-load-in-cluster';
import { registerStopLoad } from './stop-load';

export function register(reg: Registry): void {
  registerRunLoad(reg);
  registerStopLoad(reg);
  registerRunLoadInCluster(reg);
}
