// "Sock Shop: Stop All Port-Forwards": closes every active port-forward.
import * as vscode from 'vscode';
import type { Registry } from '../registry';
import { portForwards } from './shared';

export function registerStopPortForwards(reg: Registry): void {
  const forwards = portForwards(reg);
  reg.command('sockShop.stopPortForwards', async () => {
    const n = forwards.active.length;
    await Promise.all([...forwards.active].map((a) => forwards.stop(a)));
    void vscode.window.showInformationMessage(n ? `Stopped ${n} port-forward${n === 1 ? '' : 's'}.` : 'No port-forward was active.');
  });
}
