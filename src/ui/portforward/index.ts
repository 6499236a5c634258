// Port-Forward on a Service, a Deployment or a Pod of the Workloads tree (kubectl port-forward svc/…, deploy/…,
// pod/…): a loopback port, its address copied or opened, the active forwards in the status bar with Stop.
// Forwards to a Service or Deployment follow their pods when they are replaced (src/core/kube/portforward.ts).
// One command per file; the active forwards and their status bar item (created by the first of them) are
// in shared.ts.
import type { Registry } from '../registry';
import { registerListPortForwards } from './list-port-forwards';
import { registerPortForward } from './port-forward';
import { registerStopPortForwards } from './stop-port-forwards';

export function register(reg: Registry): void {
  registerPortForward(reg);
  registerListPortForwards(reg);
  registerStopPortForwards(reg);
}
