// "Sock Shop: Scale": sets a deployment's replicas (the tree's current count as the default), confirmed
// when the count changes.
import * as vscode from 'vscode';
import { CancelledError } from '../../core/errors';
import { scaleDeployment, validateReplicas } from '../../core/kube/actions';
import { assertCurrentContext, assertNamespaceAllowed, scaleConfirmation } from '../../core/kube/guard';
import { confirmModal } from '../guard';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { target, workloadsTree } from './shared';

export function registerScaleDeployment(reg: Registry): void {
  const session = kubeSession(reg);
  // ---- Scale ----
  reg.command('sockShop.scaleDeployment', async (arg?: unknown) => {
    const ref = await target(reg, arg, 'Deployment', 'Scale');
    const ns = ref.namespace ?? 'default';
    const allowKubeSystem = setting('allowKubeSystem');
    assertNamespaceAllowed(ns, 'Scale', { allowKubeSystem });
    const kc = await session.current();
    assertCurrentContext(ref, kc.getCurrentContext());
    const node = workloadsTree(reg).nodes('deployment').find((n) => n.ref?.name === ref.name && n.ref?.namespace === ns);
    const current = node?.description?.split(' ')[0]?.split('/')[1];
    const value = await vscode.window.showInputBox({
      title: `Scale deployment ${ns}/${ref.name} (context ${kc.getCurrentContext()})`,
      prompt: 'Number of replicas',
      value: current ?? '1',
      validateInput: (v) => validateReplicas(v),
    });
    if (value === undefined) throw new CancelledError();
    const to = Number(value.trim());
    const from = current !== undefined && /^\d+$/.test(current) ? Number(current) : undefined;
    if (from !== to) await confirmModal(scaleConfirmation({ context: kc.getCurrentContext(), namespace: ns, deployment: ref.name, from, to }));
    await scaleDeployment(kc, ns, ref.name, to, { allowKubeSystem });
    void vscode.window.setStatusBarMessage(`Scaled ${ns}/${ref.name} to ${to}`, 5000);
    reg.log.info(`scale: ${ns}/${ref.name} -> ${to} (context ${kc.getCurrentContext()})`);
  });
}
