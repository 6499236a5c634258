// "Sock Shop: Restart": a rolling restart of a deployment (kubectl rollout restart), after a confirmation.
import * as vscode from 'vscode';
import { restartDeployment } from '../../core/kube/actions';
import { assertCurrentContext, assertNamespaceAllowed, restartConfirmation } from '../../core/kube/guard';
import { confirmModal } from '../guard';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { target } from './shared';

export function registerRestartDeployment(reg: Registry): void {
  const session = kubeSession(reg);
  // ---- Restart ----
  reg.command('sockShop.restartDeployment', async (arg?: unknown) => {
    const ref = await target(reg, arg, 'Deployment', 'Restart');
    const ns = ref.namespace ?? 'default';
    const allowKubeSystem = setting('allowKubeSystem');
    assertNamespaceAllowed(ns, 'Restart', { allowKubeSystem });
    const kc = await session.current();
    assertCurrentContext(ref, kc.getCurrentContext());
    await confirmModal(restartConfirmation({ context: kc.getCurrentContext(), namespace: ns, deployment: ref.name }));
    const stamp = await restartDeployment(kc, ns, ref.name, new Date(), { allowKubeSystem });
    void vscode.window.setStatusBarMessage(`Restarting ${ns}/${ref.name} (rollout at ${stamp})`, 5000);
    reg.log.info(`restart: ${ns}/${ref.name} restartedAt=${stamp} (context ${kc.getCurrentContext()})`);
  });
}
