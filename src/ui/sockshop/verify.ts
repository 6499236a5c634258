// "Sock Shop: Verify": checks a Sock Shop namespace (deployments available, the front-end answering, through
// a port-forward when it has no address) and lists every check, failed ones first.
import * as vscode from 'vscode';
import { frontEndAddress, type PortForwardHandle } from '../../core/sockshop/deploy';
import { buildSockShop } from '../../core/sockshop/manifests';
import { formatChecklist, verifySockShop } from '../../core/sockshop/verify';
import type { Registry } from '../registry';
import { markStepDone } from '../walkthrough-steps';
import { frontEndForwards } from './front-end';
import { abortOn, manifestDir, pickTarget } from './shared';

export function registerVerify(reg: Registry): void {
  const forwards = frontEndForwards(reg);

  reg.command('sockShop.verify', async () => {
    const target = await pickTarget(reg, 'Verify Sock Shop', { askContext: false });
    if (!target) return;
    const address = await frontEndAddress(target.kc, target.namespace);
    let url = address.url;
    let forward: PortForwardHandle | undefined;
    if (!url) {
      try {
        forward = await forwards.start(target.kc, target.namespace);
        url = forward.url;
      } catch (err) {
        reg.log.warn(`Verify: no port-forward to the front-end: ${(err as Error).message}`);
      }
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Verifying Sock Shop in ${target.namespace}`, cancellable: true },
      (_p, token) =>
        verifySockShop(target.kc, {
          namespace: target.namespace,
          expectedDeployments: buildSockShop({ namespace: target.namespace, profile: 'default', manifestDir: manifestDir(reg, 'sock-shop') })
            .filter((o) => o.kind === 'Deployment')
            .map((o) => o.metadata.name),
          frontEndUrl: url,
          frontEndMissingReason: address.note,
          signal: abortOn(token).signal,
        }),
    );
    reg.log.info(`Verify ${target.namespace}:\n${formatChecklist(result)}`);
    const failed = result.items.filter((i) => !i.passed);
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
    pick.title = failed.length ? `Sock Shop: ${failed.length} of ${result.items.length} checks failed` : `Sock Shop: all ${result.items.length} checks passed`;
    pick.items = [...failed, ...result.items.filter((i) => i.passed)].map((i) => ({
      label: `${i.passed ? '$(pass-filled)' : '$(error)'} ${i.title}`,
      detail: i.detail,
    }));
    pick.canSelectMany = false;
    pick.onDidHide(() => pick.dispose());
    pick.show();
    if (failed.length) void vscode.window.showWarningMessage(`Sock Shop: ${failed.length} of ${result.items.length} checks failed — first: ${failed[0].title}: ${failed[0].detail}`);
    else {
      markStepDone(reg.context, 'verified');
      void vscode.window.showInformationMessage(`Sock Shop in ${target.namespace}: all ${result.items.length} checks passed.`);
    }
  });
}
