// "Sock Shop: Remove": deletes a Sock Shop namespace (invoked from a Namespace node or asked for) after a
// confirmation, closing its front-end port-forward first.
import * as vscode from 'vscode';
import { assertCurrentContext, removeConfirmation } from '../../core/kube/guard';
import { confirmModal } from '../guard';
import { refOf } from '../../core/kube/refs';
import { removeSockShop, assertRemovable } from '../../core/sockshop/remove';
import type { Registry } from '../registry';
import { frontEndForwards } from './front-end';
import { abortOn, pickTarget } from './shared';

export function registerRemove(reg: Registry): void {
  const forwards = frontEndForwards(reg);

  reg.command('sockShop.remove', async (arg?: unknown) => {
    const ref = refOf(arg);
    const target = await pickTarget(reg, 'Remove Sock Shop', { askContext: false, namespace: ref?.kind === 'Namespace' ? ref.name : undefined });
    if (!target) return;
    assertRemovable(target.namespace);
    assertCurrentContext(ref, target.context);
    await confirmModal(removeConfirmation({ context: target.context, namespace: target.namespace }));
    await forwards.stop(target.namespace);
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Removing Sock Shop from ${target.namespace}`, cancellable: true },
      (progress, token) =>
        removeSockShop(target.kc, target.namespace, { signal: abortOn(token).signal, onProgress: (message) => progress.report({ message }) }),
    );
    const msg = r.existed ? `Namespace ${target.namespace} is gone (${(r.elapsedMs / 1000).toFixed(1)} s).` : `Namespace ${target.namespace} did not exist.`;
    reg.log.info(`Remove: ${msg}`);
    void vscode.window.showInformationMessage(msg);
  });
}
