// "Sock Shop: Kill pod": deletes a pod of the Workloads tree after a confirmation that shows its blast
// radius; the kill goes on the fault timeline (the metrics panel marks it).
import * as vscode from 'vscode';
import { checkKillAllowed, killPod } from '../../core/kube/actions';
import { podKillImpact } from '../../core/kube/blast';
import { assertCurrentContext, killPodConfirmation } from '../../core/kube/guard';
import { confirmModal } from '../guard';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { faultTimeline } from '../timeline';
import { target } from './shared';

export function registerKillPod(reg: Registry): void {
  const session = kubeSession(reg);
  reg.command('sockShop.killPod', async (arg?: unknown) => {
    const ref = await target(reg, arg, 'Pod', 'Kill pod');
    const ns = ref.namespace ?? 'default';
    const opts = {
      gracePeriodSeconds: setting('killPod.gracePeriodSeconds') ?? undefined,
      allowKubeSystem: setting('allowKubeSystem'),
    };
    checkKillAllowed(ns, opts);
    const kc = await session.current();
    assertCurrentContext(ref, kc.getCurrentContext());
    const impact = await podKillImpact(kc, ns, ref.name);
    await confirmModal(killPodConfirmation({ context: kc.getCurrentContext(), namespace: ns, pod: ref.name, gracePeriodSeconds: opts.gracePeriodSeconds, impact }));
    const result = await killPod(kc, ns, ref.name, opts);
    reg.log.info(`kill pod: ${result.message}`);
    if (result.deleted) faultTimeline(reg).add({ time: Date.now(), kind: 'kill', label: `Kill pod ${ns}/${ref.name}`, detail: `from the tree, context ${kc.getCurrentContext()}` });
    if (result.deleted) void vscode.window.setStatusBarMessage(`$(trash) ${result.message}`, 5000);
    else void vscode.window.showInformationMessage(result.message);
  });
}
