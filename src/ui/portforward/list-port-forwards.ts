// "Sock Shop: Show Port-Forwards" (also the status bar item's click): the active forwards, one picked to
// open in the browser, copy or stop.
import * as vscode from 'vscode';
import type { Registry } from '../registry';
import { portForwards } from './shared';

export function registerListPortForwards(reg: Registry): void {
  const forwards = portForwards(reg);
  reg.command('sockShop.listPortForwards', async () => {
    const active = forwards.active;
    if (!active.length) {
      void vscode.window.showInformationMessage('No port-forward is active. Right-click a Service, Deployment or Pod in the Workloads view → Port-Forward.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      active.map((a) => ({ label: `$(plug) ${a.tunnel.url}`, description: `${a.describe} · ${a.namespace} · ${a.context}`, detail: `to pod ${a.tunnel.pod() ?? '(looked up on the next connection)'}`, a })),
      { title: 'Port-forwards: pick one to open, copy or stop', ignoreFocusOut: true },
    );
    if (!pick) return;
    const what = await vscode.window.showQuickPick(['Open in Browser', 'Copy Address', 'Stop'], { title: `${pick.a.describe} → ${pick.a.tunnel.url}` });
    if (what === 'Open in Browser') await vscode.env.openExternal(vscode.Uri.parse(pick.a.tunnel.url));
    else if (what === 'Copy Address') await vscode.env.clipboard.writeText(pick.a.tunnel.url);
    else if (what === 'Stop') await forwards.stop(pick.a);
  });
}
