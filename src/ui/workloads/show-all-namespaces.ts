// "Sock Shop: Show All Namespaces": the Workloads tree lists every namespace, not only Sock Shop's.
import type { Registry } from '../registry';
import { workloadsTree } from './shared';

export function registerShowAllNamespaces(reg: Registry): void {
  const tree = workloadsTree(reg);
  reg.command('sockShop.showAllNamespaces', () => tree.setAllNamespaces(true));
}
