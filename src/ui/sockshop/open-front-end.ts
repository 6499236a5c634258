// "Sock Shop: Open Front-End": opens the front-end of a namespace in the browser, at its external
// address, else through a (checked) port-forward.
import * as vscode from 'vscode';
import { refOf } from '../../core/kube/refs';
import { frontEndAddress } from '../../core/sockshop/deploy';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { frontEndForwards, openForwarded } from './front-end';
import { configuredNamespace } from './shared';

export function registerOpenFrontEnd(reg: Registry): void {
  const forwards = frontEndForwards(reg);

  reg.command('sockShop.openFrontEnd', async (arg?: unknown) => {
    const ref = refOf(arg);
    const kc = await kubeSession(reg).current();
    const namespace = ref?.namespace ?? configuredNamespace();
    const address = await frontEndAddress(kc, namespace);
    if (address.url) {
      await vscode.env.openExternal(vscode.Uri.parse(address.url));
      return;
    }
    const forward = await forwards.start(kc, namespace);
    reg.log.info(`Open Front-End: ${address.note}`);
    await openForwarded(reg, forward, namespace);
  });
}
