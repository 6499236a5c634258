// Kubernetes connection UI: the context picker (Select Kubernetes Context), the status bar item
// showing the context, and the sockShop.kube.state context key the welcome view keys on.
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import type { Registry } from '../registry';
import { kubeSession } from './session';

export type KubeState = 'none' | 'ok' | 'error';

export function setKubeState(state: KubeState): void {
  void vscode.commands.executeCommand('setContext', 'sockShop.kube.state', state);
}

export function register(reg: Registry): void {
  const session = kubeSession(reg);
  const item = vscode.window.createStatusBarItem('sockShop.kubeContext', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Sock Shop Lab: Kubernetes Context';
  item.command = 'sockShop.selectContext';
  reg.context.subscriptions.push(item);

  const update = async () => {
    try {
      const loaded = await session.loaded();
      item.text = `$(server-environment) ${loaded.context}`;
      item.tooltip = `Kubernetes context ${loaded.context}\nServer: ${loaded.kc.getCurrentCluster()?.server ?? '?'}\nKubeconfig: ${loaded.files.join(', ')}\nClick to switch.`;
      item.backgroundColor = undefined;
      setKubeState('ok');
    } catch (err) {
      const reason = err instanceof UserError ? err.reason : 'Error';
      item.text = '$(server-environment) no context';
      item.tooltip = `${(err as Error)?.message ?? err}\nClick to select a context.`;
      item.backgroundColor = reason === 'NoKubeconfig' ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
      setKubeState(reason === 'NoKubeconfig' ? 'none' : 'error');
    }
    item.show();
  };
  reg.context.subscriptions.push(session.onDidChangeContext(() => void update()));
  void update();

  reg.command('sockShop.selectContext', async () => {
    const contexts = await session.contexts();
    if (!contexts.length) {
      // Surfaces the specific reason (no kubeconfig, invalid file, ...).
      await session.loaded();
      throw new UserError('The kubeconfig has no contexts. Create or connect a cluster first.', 'NoKubeconfig');
    }
    const active = session.contextName;
    const picks: (vscode.QuickPickItem & { name: string })[] = contexts.map((name) => ({
      name,
      label: name,
      description: name === active ? '(current)' : undefined,
      iconPath: new vscode.ThemeIcon(name === active ? 'pass-filled' : 'server-environment'),
    }));
    const pick = await vscode.window.showQuickPick(picks, {
      title: 'Select Kubernetes Context',
      placeHolder: `Kubeconfig: ${session.files.join(', ') || '(none)'}`,
    });
    if (!pick) throw new CancelledError();
    await session.selectContext(pick.name);
    reg.log.info(`kubernetes: switched to context ${pick.name}`);
  });
}
