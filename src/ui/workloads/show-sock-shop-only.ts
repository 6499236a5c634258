// "Sock Shop: Show Sock Shop Namespace Only": the Workloads tree lists only the Sock Shop namespace again.
import type { Registry } from '../registry';
import { workloadsTree } from './shared';

export function registerShowSockShopOnly(reg: Registry): void {
  const tree = workloadsTree(reg);
  reg.command('sockShop.showSockShopOnly', () => tree.setAllNamespaces(false));
}
