// Port-Forward on a Service, a Deployment or a Pod of the Workloads tree (kubectl port-forward svc/…, deploy/…,
// pod/…): a loopback port, its address copied or opened, the active forwards in the status bar with Stop.
// Forwards to a Service or Deployment follow their pods when they are replaced (src/core/kube/portforward.ts).
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import { forwardTarget, openTunnel, type Tunnel } from '../../core/kube/portforward';
import { refOf } from '../../core/kube/refs';
import { assertCurrentContext } from '../../core/kube/guard';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';

interface Active {
  id: number;
  context: string;
  describe: string;
  namespace: string;
  tunnel: Tunnel;
  startedAt: number;
}

export function register(reg: Registry): void {
  const active: Active[] = [];
  let next = 1;
  const status = vscode.window.createStatusBarItem('sockShop.portForwards', vscode.StatusBarAlignment.Left, 90);
  status.name = 'Sock Shop port-forwards';
  status.command = 'sockShop.listPortForwards';
  const refresh = () => {
    if (!active.length) return status.hide();
    status.text = `$(plug) ${active.length} forward${active.length === 1 ? '' : 's'}`;
    status.tooltip = active.map((a) => `${a.describe} (${a.namespace}, ${a.context}) → ${a.tunnel.url}`).join('\n');
    status.show();
  };
  const stop = async (a: Active) => {
    const i = active.indexOf(a);
    if (i >= 0) active.splice(i, 1);
    await a.tunnel.close();
    reg.log.info(`port-forward stopped: ${a.describe} (${a.tunnel.url})`);
    refresh();
  };
  reg.context.subscriptions.push(status, { dispose: () => void Promise.all(active.map((a) => a.tunnel.close())) });

  reg.command('sockShop.portForward', async (arg?: unknown) => {
    const ref = refOf(arg);
    if (!ref || !['Service', 'Deployment', 'Pod'].includes(ref.kind) || !ref.namespace) {
      throw new UserError('Port-Forward works on a Service, a Deployment or a Pod: right-click one in the Workloads view.', 'WrongKind');
    }
    const kc = await kubeSession(reg).current();
    const context = kc.getCurrentContext();
    assertCurrentContext(ref, context);
    const kind = ref.kind as 'Service' | 'Deployment' | 'Pod';
    let target = await forwardTarget(kc, { kind, namespace: ref.namespace, name: ref.name });
    if (target.ports.length > 1) {
      const pick = await vscode.window.showQuickPick(target.ports.map((p) => ({ label: p.label, port: p.port })), { title: `Port-Forward ${target.describe.split(':')[0]}: which port?`, ignoreFocusOut: true });
      if (!pick) throw new CancelledError();
      target = await forwardTarget(kc, { kind, namespace: ref.namespace, name: ref.name }, pick.port);
    }
    const wanted = await vscode.window.showInputBox({
      title: `Port-Forward ${target.describe}: local port on 127.0.0.1`,
      prompt: 'Empty: any free port.',
      value: String(target.endpoint.port >= 1024 ? target.endpoint.port : ''),
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' || (/^[0-9]+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535) ? undefined : 'A port number from 1 to 65535, or empty for any free port.'),
    });
    if (wanted === undefined) throw new CancelledError();
    let tunnel: Tunnel;
    try {
      tunnel = await openTunnel(kc, target.endpoint, wanted.trim() ? Number(wanted) : 0, (m) => reg.log.warn(m));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UserError(`Port ${wanted} on 127.0.0.1 is in use: pick another, or leave it empty for any free port.`, 'Busy');
      throw err;
    }
    const a: Active = { id: next++, context, describe: target.describe, namespace: ref.namespace, tunnel, startedAt: Date.now() };
    active.push(a);
    refresh();
    reg.log.info(`port-forward: ${a.describe} in ${a.namespace} (${context}) → ${tunnel.url}`);
    const choice = await vscode.window.showInformationMessage(`Forwarding ${target.describe} to ${tunnel.url}.`, 'Open in Browser', 'Copy Address', 'Stop');
    if (choice === 'Open in Browser') await vscode.env.openExternal(vscode.Uri.parse(tunnel.url));
    else if (choice === 'Copy Address') await vscode.env.clipboard.writeText(tunnel.url);
    else if (choice === 'Stop') await stop(a);
  });

  reg.command('sockShop.listPortForwards', async () => {
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
    else if (what === 'Stop') await stop(pick.a);
  });

  reg.command('sockShop.stopPortForwards', async () => {
    const n = active.length;
    await Promise.all([...active].map(stop));
    void vscode.window.showInformationMessage(n ? `Stopped ${n} port-forward${n === 1 ? '' : 's'}.` : 'No port-forward was active.');
  });
}
