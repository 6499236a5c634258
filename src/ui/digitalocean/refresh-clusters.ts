// "Sock Shop: Refresh DigitalOcean": reloads the DigitalOcean clusters tree.
import type { Registry } from '../registry';
import { doTree } from './tree';

export function registerRefreshClusters(reg: Registry): void {
  const tree = doTree(reg);
  reg.command('sockShop.refreshClusters', () => tree.refresh());
}
