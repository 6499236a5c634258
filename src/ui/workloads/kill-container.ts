// "Sock Shop: Kill Container": `kill 1` in one container of a pod (through exec), the way Chaos Mesh's
// container-kill hits a process and not its pod: the kubelet restarts the container in the same pod. Asks
// first, naming the context; never in kube-system unless the user's own settings allow it.
import * as vscode from 'vscode';
import { CoreV1Api } from '@kubernetes/client-node';
import { checkKillAllowed, killContainer } from '../../core/kube/actions';
import { apiClient } from '../../core/kube/client';
import { assertCurrentContext, killContainerConfirmation } from '../../core/kube/guard';
import { UserError } from '../../core/errors';
import { confirmModal } from '../guard';
import { kubeSession } from '../kube/session';
import { pickOne } from '../prompts';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { faultTimeline } from '../timeline';
import { target } from './shared';

export function registerKillContainer(reg: Registry): void {
  const session = kubeSession(reg);
  reg.command('sockShop.killContainer', async (arg?: unknown) => {
    const ref = await target(reg, arg, 'Pod', 'Kill Container');
    const ns = ref.namespace ?? 'default';
    const allowKubeSystem = setting('allowKubeSystem');
    checkKillAllowed(ns, { allowKubeSystem });
    const kc = await session.current();
    assertCurrentContext(ref, kc.getCurrentContext());
    const pod = await apiClient(kc, CoreV1Api).readNamespacedPod({ name: ref.name, namespace: ns });
    const containers = (pod.spec?.containers ?? []).map((c) => c.name);
    if (!containers.length) throw new UserError(`Pod ${ns}/${ref.name} has no containers.`, 'NotFound');
    const container = containers.length === 1 ? containers[0] : (await pickOne(containers.map((c) => ({ label: c })), `Kill Container: pick a container of ${ns}/${ref.name}`)).label;
    const signal = (
      await pickOne(
        [
          { label: 'SIGTERM (kill 1)', description: 'what a stop sends: a process without a handler ends at once', signal: 'TERM' as const },
          { label: 'SIGKILL (kill -9 1)', description: 'no handler can catch it', signal: 'KILL' as const },
        ],
        `Kill Container ${container}: signal`,
      )
    ).signal;
    await confirmModal(killContainerConfirmation({ context: kc.getCurrentContext(), namespace: ns, pod: ref.name, container, signal }));
    const out = await killContainer(kc, ns, pod, container, signal, { allowKubeSystem });
    if (!out.killed) throw new UserError(`Container ${container} of ${ns}/${ref.name} was not killed: ${out.message}`, 'Refused');
    const message = `Killed container ${container} of pod ${ns}/${ref.name} (SIG${signal}); its kubelet restarts it in the same pod.`;
    reg.log.info(`kill container: ${message}`);
    faultTimeline(reg).add({ time: Date.now(), kind: 'kill', label: `Kill container ${container} in ${ns}/${ref.name}`, detail: `SIG${signal}, from the tree, context ${kc.getCurrentContext()}` });
    void vscode.window.setStatusBarMessage(`$(debug-restart) ${message}`, 5000);
  });
}
