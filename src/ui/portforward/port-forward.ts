// "Sock Shop: Port-Forward": forwards a loopback port to a Service, Deployment or Pod of the Workloads tree
// (which port, which local port), then offers to open, copy or stop it.
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { forwardTarget, openTunnel, type Tunnel } from '../../core/kube/portforward';
import { refOf } from '../../core/kube/refs';
import { assertCurrentContext } from '../../core/kube/guard';
import { kubeSession } from '../kube/session';
import { ask, pickOne } from '../prompts';
import type { Registry } from '../registry';
import { portForwards, type Active } from './shared';

export function registerPortForward(reg: Registry): void {
  const forwards = portForwards(reg);
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
      const pick = await pickOne(target.ports.map((p) => ({ label: p.label, port: p.port })), `Port-Forward ${target.describe.split(':')[0]}: which port?`);
      target = await forwardTarget(kc, { kind, namespace: ref.namespace, name: ref.name }, pick.port);
    }
    const wanted = await ask(
      `Port-Forward ${target.describe}: local port on 127.0.0.1`,
      String(target.endpoint.port >= 1024 ? target.endpoint.port : ''),
      (v) => (v.trim() === '' || (/^[0-9]+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535) ? undefined : 'A port number from 1 to 65535, or empty for any free port.'),
      'Empty: any free port.',
    );
    let tunnel: Tunnel;
    try {
      tunnel = await openTunnel(kc, target.endpoint, wanted ? Number(wanted) : 0, (m) => reg.log.warn(m));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UserError(`Port ${wanted} on 127.0.0.1 is in use: pick another, or leave it empty for any free port.`, 'Busy');
      throw err;
    }
    const a: Active = { id: forwards.nextId(), context, describe: target.describe, namespace: ref.namespace, tunnel, startedAt: Date.now() };
    forwards.active.push(a);
    forwards.refresh();
    reg.log.info(`port-forward: ${a.describe} in ${a.namespace} (${context}) → ${tunnel.url}`);
    const choice = await vscode.window.showInformationMessage(`Forwarding ${target.describe} to ${tunnel.url}.`, 'Open in Browser', 'Copy Address', 'Stop');
    if (choice === 'Open in Browser') await vscode.env.openExternal(vscode.Uri.parse(tunnel.url));
    else if (choice === 'Copy Address') await vscode.env.clipboard.writeText(tunnel.url);
    else if (choice === 'Stop') await forwards.stop(a);
  });
}
