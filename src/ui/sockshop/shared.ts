// What several Sock Shop commands share: the namespace setting, the bundled manifests' folder, an
// AbortController tied to a progress notification's Cancel, and the context + namespace a command acts on.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KubeConfig } from '@kubernetes/client-node';
import { CancelledError } from '../../core/errors';
import { validateNamespaceName } from '../../core/sockshop/manifests';
import { kubeSession } from '../kube/session';
import { validating } from '../prompts';
import type { Registry } from '../registry';
import { setting } from '../settings';

/** The bundled manifests of one kind, in the extension's folder. */
export function manifestDir(reg: Registry, kind: 'sock-shop' | 'kube-monkey'): string {
  return path.join(reg.context.extensionPath, 'manifests', kind);
}

export function configuredNamespace(): string {
  return setting('namespace');
}

export function abortOn(token: vscode.CancellationToken): AbortController {
  const ac = new AbortController();
  if (token.isCancellationRequested) ac.abort();
  token.onCancellationRequested(() => ac.abort(new CancelledError()));
  return ac;
}

export interface Target {
  kc: KubeConfig;
  context: string;
  namespace: string;
}

/** Context (default: the active one) and namespace (default: the sockShop.namespace setting). */
export async function pickTarget(reg: Registry, title: string, opts: { askContext?: boolean; namespace?: string } = {}): Promise<Target | undefined> {
  const session = kubeSession(reg);
  const kc = await session.current();
  const active = session.contextName ?? kc.getCurrentContext();
  let context = active;
  const contexts = kc.getContexts().map((c) => c.name);
  if (opts.askContext !== false && contexts.length > 1) {
    const picked = await vscode.window.showQuickPick(
      [active, ...contexts.filter((c) => c !== active)].map((name) => ({
        label: name,
        description: name === active ? 'active' : undefined,
        detail: kc.getCluster(kc.getContextObject(name)?.cluster ?? '')?.server,
      })),
      { title: `${title}: Kubernetes context`, placeHolder: 'Cluster to deploy to' },
    );
    if (!picked) return undefined;
    context = picked.label;
  }
  const namespace =
    opts.namespace ??
    (await vscode.window.showInputBox({
      title: `${title}: namespace`,
      value: configuredNamespace(),
      validateInput: validating(validateNamespaceName),
    }));
  if (!namespace) return undefined;
  return { kc: context === active ? kc : withContext(kc, context), context, namespace };
}

/** A copy of kc with another current context (the session's own stays as it is). */
function withContext(kc: KubeConfig, context: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: context });
  return copy;
}
