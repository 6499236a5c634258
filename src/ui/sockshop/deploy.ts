// "Sock Shop: Deploy": applies Sock Shop (a profile, a LoadBalancer or NodePort front-end) to a context and
// namespace, waits until every deployment is available, and offers to open the front-end.
import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import { describeError } from '../../core/errors';
import { describeObject } from '../../core/kube/apply';
import { ApplyFailedError, deploySockShop, describeOutcomes, frontEndAddress, outcomeLine, summarize } from '../../core/sockshop/deploy';
import { buildSockShop, PROFILES, type FrontEndServiceType, type Profile } from '../../core/sockshop/manifests';
import { formatProgress, RolloutTimeoutError } from '../../core/kube/rollout';
import type { Registry } from '../registry';
import { markStepDone } from '../walkthrough-steps';
import { frontEndForwards, openForwarded, type PortForwards } from './front-end';
import { abortOn, manifestDir, pickTarget } from './shared';

export function registerDeploy(reg: Registry): void {
  const forwards = frontEndForwards(reg);

  reg.command('sockShop.deploy', async () => {
    const target = await pickTarget(reg, 'Deploy Sock Shop');
    if (!target) return;
    const picked = await pickProfile();
    if (!picked) return;
    const { profile, serviceType } = picked;
    reg.log.info(`Deploy: context ${target.context}, namespace ${target.namespace}, profile ${profile}`);

    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Deploying Sock Shop to ${target.namespace}`, cancellable: true },
      async (progress, token) => {
        const ac = abortOn(token);
        let applied = 0;
        const total = buildSockShop({ namespace: target.namespace, profile, frontEndServiceType: serviceType, manifestDir: manifestDir(reg, 'sock-shop') }).length + 1;
        try {
          return await deploySockShop(target.kc, {
            namespace: target.namespace,
            profile,
            frontEndServiceType: serviceType,
            manifestDir: manifestDir(reg, 'sock-shop'),
            signal: ac.signal,
            onEvent: (e) => {
              if (e.type === 'phase') progress.report({ message: e.message });
              else if (e.type === 'applied') {
                applied++;
                reg.log.info(`  ${outcomeLine(e.outcome)}`);
                progress.report({ message: `applied ${applied}/${total}: ${describeObject(e.outcome)}`, increment: 50 / total });
              } else if (e.type === 'stalled') {
                progress.report({ message: `still waiting (${Math.round(e.stalledMs / 1000)} s without change): ${e.reasons[0]}` });
                reg.log.warn(`Deploy: nothing moved for ${Math.round(e.stalledMs / 1000)} s:\n  ${e.reasons.join('\n  ')}`);
              } else {
                progress.report({ message: formatProgress(e.deployments) });
              }
            },
          });
        } catch (err) {
          if (err instanceof RolloutTimeoutError && err.detail) reg.log.error(err.detail);
          if (err instanceof ApplyFailedError) for (const o of err.outcomes) reg.log.info(`  ${outcomeLine(o)}`);
          throw err;
        }
      },
    );
    const summary = await summarize(target.kc, target.namespace);
    reg.log.info(
      `Deploy: ${describeOutcomes(result.outcomes)}; applied in ${result.appliedMs} ms, all available after ${result.availableMs} ms\n` +
        `kubectl get all -n ${target.namespace}:\n${summary}`,
    );
    markStepDone(reg.context, 'deployed');
    const address = await frontEndAddress(target.kc, target.namespace);
    const headline = result.changed
      ? `Sock Shop is deployed to ${target.namespace}: all ${result.deployments?.length ?? 0} deployments are available.`
      : `Sock Shop in ${target.namespace}: no changes; all ${result.deployments?.length ?? 0} deployments are available.`;
    offerFrontEnd(reg, forwards, target.kc, target.namespace, address.url, `${headline} ${address.url ? `Front-end: ${address.url}` : address.note}`).catch((err) => {
      reg.log.error(`Open Front-End: ${describeError(err)}`);
      void vscode.window.showErrorMessage(`Could not open the front-end: ${describeError(err)}`);
    });
  });
}

async function pickProfile(): Promise<{ profile: Profile; serviceType: FrontEndServiceType } | undefined> {
  const items = (['LoadBalancer', 'NodePort'] as const).flatMap((serviceType) =>
    PROFILES.map((p) => ({
      label: serviceType === 'LoadBalancer' ? p.label : `${p.label}, NodePort front-end`,
      description: serviceType === 'LoadBalancer' ? 'front-end behind a load balancer' : 'front-end on node port 30001, no load balancer',
      detail: p.detail,
      profile: p.id,
      serviceType,
    })),
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Deploy Sock Shop: profile',
    placeHolder: 'default is close to the original Sock Shop',
  });
  return picked && { profile: picked.profile, serviceType: picked.serviceType };
}

async function offerFrontEnd(reg: Registry, forwards: PortForwards, kc: KubeConfig, namespace: string, url: string | undefined, message: string): Promise<void> {
  const actions = url ? ['Open in Browser', 'Show Log'] : ['Port-Forward and Open', 'Show Log'];
  const choice = await vscode.window.showInformationMessage(message, ...actions);
  if (choice === 'Open in Browser' && url) await vscode.env.openExternal(vscode.Uri.parse(url));
  else if (choice === 'Port-Forward and Open') {
    const f = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Port-forwarding to the front-end in ${namespace}…` },
      () => forwards.start(kc, namespace),
    );
    await openForwarded(reg, f, namespace);
  } else if (choice === 'Show Log') reg.log.show(true);
}
