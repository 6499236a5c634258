// "Sock Shop: Show Logs": follows one container of a pod in its own output channel (one channel per
// pod and container, reused when shown again).
import { Writable } from 'node:stream';
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import { followLogs, podContainers, type LogStream } from '../../core/kube/actions';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { target } from './shared';

export function registerShowLogs(reg: Registry): void {
  const session = kubeSession(reg);
  // ---- Logs (one output channel per pod, following) ----
  const following = new Map<string, { channel: vscode.OutputChannel; stream?: LogStream }>();
  reg.context.subscriptions.push({
    dispose: () => {
      for (const f of following.values()) {
        f.stream?.cancel();
        f.channel.dispose();
      }
    },
  });
  reg.command('sockShop.showLogs', async (arg?: unknown) => {
    const ref = await target(reg, arg, 'Pod', 'Show Logs');
    const ns = ref.namespace ?? 'default';
    const kc = await session.current();
    const containers = await podContainers(kc, ns, ref.name);
    let container = containers[0];
    if (containers.length > 1) {
      const pick = await vscode.window.showQuickPick(containers, { title: `Logs of ${ns}/${ref.name}: pick a container` });
      if (!pick) throw new CancelledError();
      container = pick;
    }
    if (!container) throw new UserError(`Pod ${ns}/${ref.name} has no containers.`, 'NoLogs');
    const key = `${kc.getCurrentContext()}/${ns}/${ref.name}/${container}`;
    let entry = following.get(key);
    if (!entry) {
      const name = containers.length > 1 ? `Logs: ${ns}/${ref.name} (${container})` : `Logs: ${ns}/${ref.name}`;
      entry = { channel: vscode.window.createOutputChannel(name) };
      following.set(key, entry);
    }
    entry.stream?.cancel();
    const channel = entry.channel;
    channel.clear();
    channel.show(true);
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        channel.append(chunk.toString('utf8'));
        cb();
      },
      final(cb) {
        channel.appendLine('--- log stream ended ---');
        cb();
      },
    });
    entry.stream = await followLogs(kc, ns, ref.name, container, out);
    reg.log.info(`logs: following ${key}`);
  });
}
