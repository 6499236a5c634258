// "Sock Shop: Apply kube-monkey Labels": opts Deployments (the one clicked, or those picked) in to kube-monkey
// with its mtbf and kill labels, after a confirmation, and waits for their pods to roll.
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import { describeKill, listCandidates } from '../../core/chaos/experiment';
import { labelAndRoll } from '../../core/chaos/kube';
import type { KubeMonkeyLabels } from '../../core/chaos/kubemonkey';
import { labelsConfirmation, WORKSHOP_LABELS } from '../../core/chaos/confirm';
import { assertChaosNamespace, assertCurrentContext } from '../../core/kube/guard';
import { refOf } from '../../core/kube/refs';
import { formatProgress } from '../../core/kube/rollout';
import { confirmModal } from '../guard';
import { kubeSession } from '../kube/session';
import { askNumber } from '../prompts';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { askKill } from './prompts';
import { chaosChannel } from './run';

export function registerApplyKubeMonkeyLabels(reg: Registry): void {
  reg.command('sockShop.applyKubeMonkeyLabels', async (arg?: unknown) => {
    const kc = await kubeSession(reg).current();
    const context = kc.getCurrentContext();
    const ref = refOf(arg);
    assertCurrentContext(ref, context);
    let ns = setting('namespace');
    let names: string[];
    if (ref?.kind === 'Deployment' && ref.namespace) ns = ref.namespace;
    assertChaosNamespace(ns, 'Apply kube-monkey Labels', setting('chaos.namespaceAllowlist'));
    const candidates = await listCandidates(kc, ns);
    if (ref?.kind === 'Deployment' && ref.namespace) {
      if (!candidates.some((c) => c.name === ref.name)) throw new UserError(`Deployment "${ref.name}" is no longer in ${ns} (context "${context}").`, 'NotFound');
      names = [ref.name];
    } else {
      if (!candidates.length) throw new UserError(`No Deployments in ${ns}. Deploy Sock Shop first.`, 'NotFound');
      const picked = await vscode.window.showQuickPick(
        candidates.map((c) => ({ label: c.name, description: `${c.replicas} replica(s)${c.optedIn ? ' · already opted in' : ''}`, picked: c.name === 'front-end' })),
        { title: `Apply kube-monkey labels: Deployments in ${ns}`, canPickMany: true, ignoreFocusOut: true },
      );
      if (!picked?.length) throw new CancelledError();
      names = picked.map((p) => p.label);
    }
    const mtbf = await askNumber('kube-monkey/mtbf: mean time between failures (days)', WORKSHOP_LABELS.mtbf, { integer: true, min: 1, max: 3650 });
    const kill = await askKill('kube-monkey', { mode: WORKSHOP_LABELS.killMode, value: WORKSHOP_LABELS.killValue });
    await confirmModal(
      labelsConfirmation({ context, namespace: ns, targets: names.map((n) => ({ name: n, replicas: candidates.find((c) => c.name === n)?.replicas ?? 1 })), mtbf, kill }),
    );
    const targets = names.map((name) => ({ name, labels: { identifier: name, mtbf, killMode: kill.mode, killValue: kill.value } satisfies KubeMonkeyLabels }));
    const out = chaosChannel(reg);
    out.appendLine(`Labelling ${names.join(', ')} in ${ns}: mtbf ${mtbf}, ${describeKill(kill)}`);
    const progress = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'kube-monkey labels', cancellable: true },
      async (p, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        p.report({ message: 'patching…' });
        return labelAndRoll(kc, ns, targets, {
          signal: ac.signal,
          onPatched: (d) => out.appendLine(`  patched ${d.metadata?.name}: the pod template changed, so its pods roll`),
          onProgress: (pr) => {
            const line = pr.map((x) => `${x.name} ${x.available}/${x.desired} available, ${x.updated} updated`).join(' · ');
            p.report({ message: line });
            out.appendLine(`  ${line}`);
          },
        });
      },
    );
    out.appendLine(formatProgress(progress));
    void vscode.window.showInformationMessage(`kube-monkey labels applied to ${names.join(', ')}; the new pods are available.`);
  });
}
