// Kubernetes connection UI: the context picker (Select Kubernetes Context), the status bar item
// showing the context, and the sockShop.kube.state context key the welcome view keys on.
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import type { Registry } from '../registry';
import { kubeSession } from './session';
import { describeKubeconfigSource, kubeconfigSource } from '../../core/kube/kubeconfig';
import { setting } from '../settings';

export type KubeState = 'none' | 'ok' | 'error';

/** What "Fix the setting" opens: the Settings editor filtered to sockShop.kubeconfigPath. */
export const KUBECONFIG_SETTING_QUERY = '@id:sockShop.kubeconfigPath';

/**
 * The command that opens it where it applies: the setting is machine-scoped, so in a remote window
 * (code-server, SSH, containers) it lives in the Remote tab, not the User one.
 */
export function kubeconfigSettingCommand(title = 'Fix the Setting'): vscode.Command {
  return vscode.env.remoteName
    ? { command: 'workbench.action.openRemoteSettings', title, arguments: [{ query: KUBECONFIG_SETTING_QUERY }] }
    : { command: 'workbench.action.openSettings', title, arguments: [KUBECONFIG_SETTING_QUERY] };
}

/** For a kubeconfig file that the setting names but that does not exist: the message with a button to fix it. */
export async function offerKubeconfigFix(err: unknown): Promise<boolean> {
  if (!(err instanceof UserError) || err.reason !== 'MissingKubeconfigFile') return false;
  const pick = await vscode.window.showErrorMessage(err.message, 'Fix the Setting');
  if (pick) {
    const c = kubeconfigSettingCommand();
    await vscode.commands.executeCommand(c.command, ...(c.arguments ?? []));
  }
  return true;
}

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
      item.command = 'sockShop.selectContext';
      setKubeState('ok');
    } catch (err) {
      const reason = err instanceof UserError ? err.reason : 'Error';
      const missingFile = reason === 'MissingKubeconfigFile';
      item.text = missingFile ? '$(server-environment) kubeconfig missing' : '$(server-environment) no context';
      item.tooltip = `${(err as Error)?.message ?? err}\n${missingFile ? 'Click to fix the setting.' : 'Click to select a context.'}`;
      item.command = missingFile ? kubeconfigSettingCommand() : 'sockShop.selectContext';
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
      try {
        await session.loaded();
      } catch (err) {
        if (await offerKubeconfigFix(err)) throw new CancelledError();
        throw err;
      }
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
      placeHolder: `Kubeconfig: ${describeKubeconfigSource(kubeconfigSource({ settingPath: setting('kubeconfigPath') }))}`,
    });
    if (!pick) throw new CancelledError();
    await session.selectContext(pick.name);
    reg.log.info(`kubernetes: switched to context ${pick.name}`);
  });
}
