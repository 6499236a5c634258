// "Sock Shop: Deploy": applies Sock Shop (a profile, a LoadBalancer or NodePort front-end) to a context and
// namespace, waits until every deployment is available, and offers to open the front-end.
import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import { describeError } from '../../core/errors';
import { deploySockShop, frontEndAddress, summarize } from '../../core/sockshop/deploy';
import { PROFILES, type FrontEndServiceType, type Profile } from '../../core/sockshop/manifests';
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
      (progress, token) =>
        // Errors go to the command's error boundary, which logs them (with their detail) once.
        deploySockShop(target.kc, {
          namespace: target.namespace,
          profile,
          frontEndServiceType: serviceType,
          manifestDir: manifestDir(reg, 'sock-shop'),
          signal: abortOn(token).signal,
          onEvent: (e) => {
            if (e.type === 'applied') {
              reg.log.info(e.logLine);
              progress.report({ message: e.message, increment: 50 / e.total });
            } else {
              progress.report({ message: e.message });
              if (e.type === 'stalled') reg.log.warn(e.logLine);
            }
          },
        }),
    );
    const summary = await summarize(target.kc, target.namespace);
    reg.log.info(`${result.logLine}\nkubectl get all -n ${target.namespace}:\n${summary}`);
    markStepDone(reg.context, 'deployed');
    const address = await frontEndAddress(target.kc, target.namespace);
    offerFrontEnd(reg, forwards, target.kc, target.namespace, address.url, `${result.headline} ${address.url ? `Front-end: ${address.url}` : address.note}`).catch((err) => {
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
