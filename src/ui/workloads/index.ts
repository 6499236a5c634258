// The Workloads view and what its items can do: Kill pod, Describe, Show Logs, Copy Name, Scale,
// Restart, Show All Namespaces / Sock Shop Only, Show Log.
import { Writable } from 'node:stream';
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import {
  checkKillAllowed,
  describeYaml,
  followLogs,
  killPod,
  podContainers,
  restartDeployment,
  scaleDeployment,
  validateReplicas,
  type LogStream,
} from '../../core/kube/actions';
import type { TreeNode } from '../../core/kube/model';
import { describeRef, refOf, type ObjectRef, type RefKind } from '../../core/kube/refs';
import type { Registry } from '../registry';
import { kubeSession } from '../kube/session';
import { WorkloadsTree } from './tree';
import { confirmModal } from '../guard';
import { assertCurrentContext, assertNamespaceAllowed, killPodConfirmation, restartConfirmation, scaleConfirmation } from '../../core/kube/guard';
import { setting } from '../settings';
import { podKillImpact } from '../../core/kube/blast';

export const DESCRIBE_SCHEME = 'sockshop-k8s';

export function register(reg: Registry): void {
  const session = kubeSession(reg);
  const tree = reg.service('workloads.tree', () => new WorkloadsTree(reg));
  tree.attach(reg.tree('sockShop.workloads', tree));

  /** The ref a command was invoked on, or one the user picks from the tree's current model. */
  const target = async (arg: unknown, kind: RefKind, verb: string): Promise<ObjectRef> => {
    const ref = refOf(arg);
    if (ref) {
      if (ref.kind !== kind) {
        throw new UserError(`${verb} works on a ${kind.toLowerCase()}, not a ${ref.kind.toLowerCase()}.`, 'WrongKind');
      }
      return ref;
    }
    const nodeKind = kind.toLowerCase() as TreeNode['kind'];
    const nodes = tree.nodes(nodeKind).filter((n) => n.ref);
    if (!nodes.length) {
      throw new UserError(`No ${nodeKind}s to ${verb.toLowerCase()} yet: open the Workloads view and wait for it to list the cluster.`, 'Empty');
    }
    const pick = await vscode.window.showQuickPick(
      nodes.map((n) => ({ label: n.label, description: `${n.ref!.namespace ?? ''}  ${n.description ?? ''}`, node: n })),
      { title: `${verb}: pick a ${nodeKind}`, matchOnDescription: true },
    );
    if (!pick) throw new CancelledError();
    return pick.node.ref!;
  };

  // ---- Kill pod ----
  reg.command('sockShop.killPod', async (arg?: unknown) => {
    const ref = await target(arg, 'Pod', 'Kill pod');
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
    if (result.deleted) void vscode.window.setStatusBarMessage(`$(trash) ${result.message}`, 5000);
    else void vscode.window.showInformationMessage(result.message);
  });

  // ---- Describe (read-only YAML documents) ----
  const describeUri = (ref: ObjectRef, context: string) =>
    vscode.Uri.from({
      scheme: DESCRIBE_SCHEME,
      path: `/${ref.namespace ? `${ref.namespace}/` : ''}${ref.kind.toLowerCase()}-${ref.name}.yaml`,
      query: new URLSearchParams({ context, kind: ref.kind, name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) }).toString(),
    });
  const changed = new vscode.EventEmitter<vscode.Uri>();
  reg.context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(DESCRIBE_SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: async (uri) => {
        const q = new URLSearchParams(uri.query);
        const ref: ObjectRef = { kind: q.get('kind') as RefKind, name: q.get('name') ?? '', namespace: q.get('namespace') ?? undefined };
        const kc = await session.current();
        if (q.get('context') && kc.getCurrentContext() !== q.get('context')) {
          return `# ${describeRef(ref)} was opened in context ${q.get('context')}; the current context is ${kc.getCurrentContext()}.\n`;
        }
        try {
          return await describeYaml(kc, ref);
        } catch (err) {
          return `# ${err instanceof Error ? err.message : String(err)}\n`;
        }
      },
    }),
  );
  reg.command('sockShop.describe', async (arg?: unknown) => {
    let ref = refOf(arg);
    if (!ref) ref = await target(undefined, 'Pod', 'Describe');
    const kc = await session.current();
    // Fetch first so failures surface as one specific error message.
    await describeYaml(kc, ref);
    const uri = describeUri(ref, kc.getCurrentContext());
    const doc = await vscode.workspace.openTextDocument(uri);
    changed.fire(uri); // a document opened before shows the live object again
    await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
    await vscode.window.showTextDocument(doc, { preview: true });
  });

  // ---- Logs (one output channel per pod, following) ----
  const following = new Map<string, { channel: vscode.OutputChannel; stream?: LogStream }>();
  reg.context.subscriptions.push({
    dispose: () => {
      for (const f of following.values()) {
        f.stream?.cancel();
        f.channel.dispose();
      }
    },
  });
  reg.command('sockShop.showLogs', async (arg?: unknown) => {
    const ref = await target(arg, 'Pod', 'Show Logs');
    const ns = ref.namespace ?? 'default';
    const kc = await session.current();
    const containers = await podContainers(kc, ns, ref.name);
    let container = containers[0];
    if (containers.length > 1) {
      const pick = await vscode.window.showQuickPick(containers, { title: `Logs of ${ns}/${ref.name}: pick a container` });
      if (!pick) throw new CancelledError();
      container = pick;
    }
    if (!container) throw new UserError(`Pod ${ns}/${ref.name} has no containers.`, 'NoLogs');
    const key = `${kc.getCurrentContext()}/${ns}/${ref.name}/${container}`;
    let entry = following.get(key);
    if (!entry) {
      const name = containers.length > 1 ? `Logs: ${ns}/${ref.name} (${container})` : `Logs: ${ns}/${ref.name}`;
      entry = { channel: vscode.window.createOutputChannel(name) };
      following.set(key, entry);
    }
    entry.stream?.cancel();
    const channel = entry.channel;
    channel.clear();
    channel.show(true);
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        channel.append(chunk.toString('utf8'));
        cb();
      },
      final(cb) {
        channel.appendLine('--- log stream ended ---');
        cb();
      },
    });
    entry.stream = await followLogs(kc, ns, ref.name, container, out);
    reg.log.info(`logs: following ${key}`);
  });

  // ---- Copy name ----
  reg.command('sockShop.copyName', async (arg?: unknown) => {
    const ref = refOf(arg) ?? (await target(undefined, 'Pod', 'Copy Name'));
    await vscode.env.clipboard.writeText(ref.name);
    void vscode.window.setStatusBarMessage(`Copied "${ref.name}"`, 3000);
  });

  // ---- Scale / Restart ----
  reg.command('sockShop.scaleDeployment', async (arg?: unknown) => {
    const ref = await target(arg, 'Deployment', 'Scale');
    const ns = ref.namespace ?? 'default';
    const allowKubeSystem = setting('allowKubeSystem');
    assertNamespaceAllowed(ns, 'Scale', { allowKubeSystem });
    const kc = await session.current();
    assertCurrentContext(ref, kc.getCurrentContext());
    const node = tree.nodes('deployment').find((n) => n.ref?.name === ref.name && n.ref?.namespace === ns);
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

  reg.command('sockShop.restartDeployment', async (arg?: unknown) => {
    const ref = await target(arg, 'Deployment', 'Restart');
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

  // ---- namespaces filter, log ----
  reg.command('sockShop.showAllNamespaces', () => tree.setAllNamespaces(true));
  reg.command('sockShop.showSockShopOnly', () => tree.setAllNamespaces(false));
  reg.command('sockShop.showOutput', () => reg.log.show());
}

