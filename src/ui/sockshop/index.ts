// Sock Shop commands: Deploy, Verify, Remove, Deploy Current Manifest, Open Front-End.
// Thin glue: the work is in src/core/sockshop (deploy, verify, remove, manifests).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KubeConfig } from '@kubernetes/client-node';
import { CancelledError, describeError, UserError } from '../../core/errors';
import { applyManifestConfirmation, assertCurrentContext, removeConfirmation } from '../../core/kube/guard';
import { confirmModal } from '../guard';
import { refOf } from '../../core/kube/refs';
import type { ApplyOutcome } from '../../core/kube/apply';
import { describeObject } from '../../core/kube/apply';
import {
  ApplyFailedError,
  deployManifestText,
  deploySockShop,
  describeOutcomes,
  frontEndAddress,
  outcomeLine,
  portForwardFrontEnd,
  summarize,
  type PortForwardHandle,
} from '../../core/sockshop/deploy';
import { buildSockShop, PROFILES, validateNamespaceName, type FrontEndServiceType, type Profile } from '../../core/sockshop/manifests';
import { removeSockShop, assertRemovable } from '../../core/sockshop/remove';
import { formatProgress, RolloutTimeoutError } from '../../core/kube/rollout';
import { formatChecklist, verifySockShop } from '../../core/sockshop/verify';
import { YamlSyntaxError, type YamlProblem } from '../../core/yaml/parse';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { markStepDone } from '../walkthrough-steps';
import { preflight } from '../../core/load/preflight';
import { setting } from '../settings';

const DIAGNOSTICS = 'sockShop.manifest';

export function register(reg: Registry): void {
  const diagnostics = reg.service(DIAGNOSTICS, () => vscode.languages.createDiagnosticCollection('Sock Shop manifest'));
  const forwards = reg.service('sockShop.portForwards', () => new PortForwards());
  const manifestDir = (kind: 'sock-shop' | 'kube-monkey') => path.join(reg.context.extensionPath, 'manifests', kind);

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
        const total = buildSockShop({ namespace: target.namespace, profile, frontEndServiceType: serviceType, manifestDir: manifestDir('sock-shop') }).length + 1;
        try {
          return await deploySockShop(target.kc, {
            namespace: target.namespace,
            profile,
            frontEndServiceType: serviceType,
            manifestDir: manifestDir('sock-shop'),
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

  reg.command('sockShop.verify', async () => {
    const target = await pickTarget(reg, 'Verify Sock Shop', { askContext: false });
    if (!target) return;
    const address = await frontEndAddress(target.kc, target.namespace);
    let url = address.url;
    let forward: PortForwardHandle | undefined;
    if (!url) {
      try {
        forward = await forwards.start(target.kc, target.namespace);
        url = forward.url;
      } catch (err) {
        reg.log.warn(`Verify: no port-forward to the front-end: ${(err as Error).message}`);
      }
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Verifying Sock Shop in ${target.namespace}`, cancellable: true },
      (_p, token) =>
        verifySockShop(target.kc, {
          namespace: target.namespace,
          expectedDeployments: buildSockShop({ namespace: target.namespace, profile: 'default', manifestDir: manifestDir('sock-shop') })
            .filter((o) => o.kind === 'Deployment')
            .map((o) => o.metadata.name),
          frontEndUrl: url,
          frontEndMissingReason: address.note,
          signal: abortOn(token).signal,
        }),
    );
    reg.log.info(`Verify ${target.namespace}:\n${formatChecklist(result)}`);
    const failed = result.items.filter((i) => !i.passed);
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
    pick.title = failed.length ? `Sock Shop: ${failed.length} of ${result.items.length} checks failed` : `Sock Shop: all ${result.items.length} checks passed`;
    pick.items = [...failed, ...result.items.filter((i) => i.passed)].map((i) => ({
      label: `${i.passed ? '$(pass-filled)' : '$(error)'} ${i.title}`,
      detail: i.detail,
    }));
    pick.canSelectMany = false;
    pick.onDidHide(() => pick.dispose());
    pick.show();
    if (failed.length) void vscode.window.showWarningMessage(`Sock Shop: ${failed.length} of ${result.items.length} checks failed — first: ${failed[0].title}: ${failed[0].detail}`);
    else {
      markStepDone(reg.context, 'verified');
      void vscode.window.showInformationMessage(`Sock Shop in ${target.namespace}: all ${result.items.length} checks passed.`);
    }
  });

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

  reg.command('sockShop.deployManifest', async (uri?: unknown) => {
    const editor = vscode.window.activeTextEditor;
    const document =
      uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
    if (!document) throw new UserError('Open a YAML manifest in the editor first.', 'NoEditor');
    if (!vscode.workspace.isTrusted) {
      throw new UserError(
        'Deploy Current Manifest is off in Restricted Mode: trust this workspace first (Manage Workspace Trust) to apply its files to a cluster.',
        'Untrusted',
      );
    }
    const session = kubeSession(reg);
    const kc = await session.current();
    const namespace = configuredNamespace();
    const source = path.basename(document.uri.fsPath || document.uri.path) || 'the manifest';
    diagnostics.delete(document.uri);
    const run = (force: boolean) =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Applying ${source}`, cancellable: true },
        (progress, token) =>
          deployManifestText(kc, document.getText(), {
            defaultNamespace: namespace,
            force,
            source,
            allowKubeSystem: setting('allowKubeSystem'),
            // The take-over rerun applies what the user already confirmed.
            confirm: force ? undefined : (items) => confirmModal(applyManifestConfirmation({ context: kc.getCurrentContext(), defaultNamespace: namespace, source, items })),
            signal: abortOn(token).signal,
            onOutcome: (o) => progress.report({ message: `${describeObject(o)}: ${o.status}` }),
          }),
      );
    let result;
    try {
      result = await run(false);
    } catch (err) {
      if (err instanceof YamlSyntaxError) diagnostics.set(document.uri, err.problems.map(toDiagnostic));
      throw err;
    }
    let outcomes = result.outcomes;
    const conflicts = outcomes.filter((o) => o.status === 'failed' && o.httpStatus === 409);
    if (conflicts.length) {
      const choice = await vscode.window.showWarningMessage(
        `${describeObject(conflicts[0])}: ${conflicts[0].message}`,
        { modal: true, detail: 'Another field manager (kubectl, a controller) owns some of these fields. Take them over?' },
        'Take Over',
      );
      if (choice === 'Take Over') outcomes = (await run(true)).outcomes;
    }
    reg.log.info(`Deploy ${source} (${session.contextName}):\n${outcomes.map(outcomeLine).join('\n')}`);
    const failed = outcomes.filter((o) => o.status === 'failed');
    diagnostics.set(document.uri, failed.map((o) => outcomeDiagnostic(o, document)));
    if (failed.length) throw new ApplyFailedError(failed, outcomes);
    void vscode.window.showInformationMessage(`${source}: ${describeOutcomes(outcomes)}.`);
  });

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

function configuredNamespace(): string {
  return setting('namespace');
}

function abortOn(token: vscode.CancellationToken): AbortController {
  const ac = new AbortController();
  if (token.isCancellationRequested) ac.abort();
  token.onCancellationRequested(() => ac.abort(new CancelledError()));
  return ac;
}

interface Target {
  kc: KubeConfig;
  context: string;
  namespace: string;
}

/** Context (default: the active one) and namespace (default: the sockShop.namespace setting). */
async function pickTarget(reg: Registry, title: string, opts: { askContext?: boolean; namespace?: string } = {}): Promise<Target | undefined> {
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
      validateInput: (v) => {
        try {
          validateNamespaceName(v);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
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

/**
 * Opens a port-forwarded front-end, after one request through the forward (at most 5 s) so the user hears
 * whether it answers; says where it forwards and offers the URL, instead of a browser tab that hangs.
 */
async function openForwarded(reg: Registry, f: PortForwardHandle, namespace: string): Promise<void> {
  const where = `${f.url} → pod ${namespace}/${f.pod}:8079`;
  const check = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking the front-end through ${f.url}…` },
    () => preflight({ url: f.url }, 5_000),
  );
  reg.log.info(`Forwarding ${where}; the front-end ${check.summary}.`);
  if (!check.ok) {
    const pick = await vscode.window.showWarningMessage(
      `Forwarding ${where}, but the front-end ${check.summary}. Its pod may not serve yet; the forward stays open.`,
      'Open Anyway',
      'Copy URL',
      'Show Log',
    );
    if (pick === 'Open Anyway') await openOrSay(f.url);
    else if (pick === 'Copy URL') await vscode.env.clipboard.writeText(f.url);
    else if (pick === 'Show Log') reg.log.show(true);
    return;
  }
  const opened = await openOrSay(f.url);
  if (opened) void vscode.window.showInformationMessage(`Front-end opened in the browser: ${where} (the front-end ${check.summary}).`);
}

/** openExternal, and a message with the URL when the browser did not take it (e.g. a blocked pop-up). */
async function openOrSay(url: string): Promise<boolean> {
  const opened = await vscode.env.openExternal(vscode.Uri.parse(url));
  if (!opened) {
    const pick = await vscode.window.showWarningMessage(`The browser did not open ${url}. Open it yourself:`, 'Copy URL');
    if (pick) await vscode.env.clipboard.writeText(url);
  }
  return opened;
}

/** Port-forwards to the front-end, one per namespace, closed with the extension. */
class PortForwards implements vscode.Disposable {
  private readonly open = new Map<string, PortForwardHandle>();

  async start(kc: KubeConfig, namespace: string): Promise<PortForwardHandle> {
    const existing = this.open.get(namespace);
    if (existing) return existing;
    const handle = await portForwardFrontEnd(kc, namespace);
    this.open.set(namespace, handle);
    return handle;
  }

  async stop(namespace: string): Promise<void> {
    const h = this.open.get(namespace);
    this.open.delete(namespace);
    await h?.close();
  }

  dispose(): void {
    for (const h of this.open.values()) void h.close();
    this.open.clear();
  }
}

function toDiagnostic(p: YamlProblem): vscode.Diagnostic {
  const range = new vscode.Range(p.line - 1, p.column - 1, p.endLine - 1, Math.max(p.endColumn - 1, p.column));
  const d = new vscode.Diagnostic(range, p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = 'Sock Shop';
  d.code = p.code;
  return d;
}

function outcomeDiagnostic(o: ApplyOutcome, document: vscode.TextDocument): vscode.Diagnostic {
  const line = Math.max(0, (o.line ?? 1) - 1);
  const range = document.lineAt(Math.min(line, document.lineCount - 1)).range;
  const d = new vscode.Diagnostic(range, `${describeObject(o)} was rejected: ${o.message}`, vscode.DiagnosticSeverity.Error);
  d.source = 'Sock Shop (apiserver)';
  if (o.httpStatus) d.code = o.httpStatus;
  return d;
}
