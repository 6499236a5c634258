// DigitalOcean commands: sign in / out, the clusters tree, Create DOKS Cluster (wizard + cancellable
// progress), Connect, Refresh Credentials, Install Monitoring Stack, Destroy. The flows themselves
// live in src/core/digitalocean/flows.ts.
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DoClient, DoCluster } from '../../core/digitalocean/client';
import { describeCost, estimateMonthlyCost, money } from '../../core/digitalocean/cost';
import {
  createCluster,
  destroyCluster,
  installMonitoring,
  refreshCredentials,
  saveKubeconfig,
  type KubeconfigTarget,
} from '../../core/digitalocean/flows';
import { defaultKubeconfigPath } from '../../core/digitalocean/kubeconfig';
import { clusterNameProblem, doContextName, latestVersion, type ClusterRequest } from '../../core/digitalocean/validate';
import { CancelledError, isCancellation, UserError } from '../../core/errors';
import { loadKubeconfig } from '../../core/kube/kubeconfig';
import { loadBalancerServices, servicesOfLoadBalancer, type LoadBalancerService } from '../../core/kube/services';
import { loadBalancerLabel } from '../../core/digitalocean/view';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { doSession, type DoSession } from './session';
import { DoTree, type DoNode } from './tree';
import { markStepDone } from '../walkthrough-steps';
import { setting, updateUserSetting } from '../settings';
import { MultiStepInput } from '../multistep';
import { executeOwnCommand } from '../commands';

const DEFAULT_SIZE = 's-1vcpu-2gb';
const DEFAULT_COUNT = 2;

export function register(reg: Registry): void {
  const session = doSession(reg);
  const tree = reg.service('digitalocean.tree', () => new DoTree(reg, session));
  tree.attach(reg.tree('sockShop.digitalocean', tree));

  reg.command('sockShop.signIn', () => session.signIn());
  reg.command('sockShop.signOut', async () => {
    const ok = await vscode.window.showWarningMessage('Sign out of DigitalOcean? The stored token is deleted from secret storage.', { modal: true }, 'Sign Out');
    if (ok === 'Sign Out') await session.signOut();
  });
  reg.command('sockShop.refreshClusters', () => tree.refresh());
  reg.command('sockShop.createCluster', () => createClusterCommand(reg, session, tree));
  reg.command('sockShop.connectCluster', (arg?: unknown) => connectCommand(reg, session, tree, arg));
  reg.command('sockShop.refreshCredentials', (arg?: unknown) => refreshCredentialsCommand(reg, session, tree, arg));
  reg.command('sockShop.installMonitoring', (arg?: unknown) => installMonitoringCommand(reg, session, tree, arg));
  reg.command('sockShop.destroyCluster', (arg?: unknown) => destroyCommand(reg, session, tree, arg));
}

/** The cluster a command was invoked on: a tree node, or picked from the account's clusters. */
async function targetCluster(client: DoClient, arg: unknown, purpose: string): Promise<DoCluster> {
  const node = arg as DoNode | undefined;
  if (node && typeof node === 'object' && node.kind === 'cluster') {
    const fresh = await client.getCluster(node.row.id);
    if (!fresh) throw new UserError(`Cluster "${node.row.name}" no longer exists on DigitalOcean.`, 'ClusterGone');
    return fresh;
  }
  const clusters = await client.listClusters();
  if (clusters.length === 0) throw new UserError('There are no Kubernetes clusters in this DigitalOcean account.', 'NoClusters');
  const pick = await vscode.window.showQuickPick(
    clusters.map((c) => ({ label: c.name, description: `${c.status?.state ?? '?'} · ${c.region} · ${c.version}`, cluster: c })),
    { title: purpose, placeHolder: 'Choose a cluster' },
  );
  if (!pick) throw new CancelledError();
  return pick.cluster;
}

/** Asks where to save the kubeconfig: merged into the current kubeconfig file, or a file of its own. */
async function pickKubeconfigTarget(w: MultiStepInput, region: string, name: string, before?: KubeconfigTarget): Promise<KubeconfigTarget> {
  const mergePath = setting('kubeconfigPath').trim() || defaultKubeconfigPath();
  const context = doContextName(region, name);
  const separate = join(homedir(), '.kube', `${context}.yaml`);
  const pick = await w.quickPick({
    items: [
      {
        label: 'Merge into the current kubeconfig',
        description: mergePath,
        detail: `Adds context ${context}; other entries are kept and the previous file is backed up.`,
        target: { path: mergePath, mode: 'merge' as const },
      },
      {
        label: 'Separate file',
        description: separate,
        detail: `Writes context ${context} there and sets sockShop.kubeconfigPath in your user settings to it, so the Workloads view switches to it.`,
        target: { path: separate, mode: 'separate' as const },
      },
    ],
    placeholder: "Where should the cluster's kubeconfig go?",
    active: (i) => i.target.mode === before?.mode,
  });
  return pick.target;
}

/** Points the Workloads view at the saved context. */
async function switchTo(reg: Registry, saved: { path: string; context: string }, mode: KubeconfigTarget['mode']): Promise<void> {
  const kube = kubeSession(reg);
  const current = setting('kubeconfigPath').trim();
  const inUse = kube.files.includes(saved.path) || (!current && saved.path === defaultKubeconfigPath());
  if (mode === 'separate' || !inUse) await updateUserSetting('kubeconfigPath', saved.path);
  await kube.selectContext(saved.context);
  kube.reload();
}

async function createClusterCommand(reg: Registry, session: DoSession, tree: DoTree): Promise<void> {
  await session.requireClient();
  const { options, prices } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Reading DigitalOcean Kubernetes options…' },
    () => session.withClient(async (c) => {
      const options = await c.options();
      return { options, prices: await c.sizePrices(options) };
    }),
  );
  const defaultRegion = setting('digitalocean.region');
  const latest = latestVersion(options);
  const a = { name: 'sock-shop', region: '', version: '', size: '', count: String(DEFAULT_COUNT), monitoring: true, target: undefined as KubeconfigTarget | undefined };
  // Seven questions in one quick input, "(n/7)" each, Back to the previous one.
  const wizard = new MultiStepInput('Create DOKS Cluster', 7);
  const ok = await wizard.run([
    async (w) => {
      a.name = await w.inputBox({
        prompt: 'Cluster name: lowercase letters, digits and hyphens, starting with a letter (max 63).',
        value: a.name,
        validate: (v) => clusterNameProblem(v),
      });
    },
    async (w) => {
      const items = options.regions
        .map((r) => ({ label: r.slug, description: r.name, slug: r.slug }))
        .sort((x, y) => Number(y.slug === defaultRegion) - Number(x.slug === defaultRegion));
      a.region = (await w.quickPick({ items, placeholder: `Region (default ${defaultRegion})`, active: (i) => i.slug === a.region })).slug;
    },
    async (w) => {
      const items = options.versions
        .map((v) => ({ label: v.slug, description: v.slug === latest ? `Kubernetes ${v.kubernetes_version} (latest)` : `Kubernetes ${v.kubernetes_version}` }))
        .sort((x, y) => Number(y.label === latest) - Number(x.label === latest));
      a.version = (await w.quickPick({ items, placeholder: 'Kubernetes version', active: (i) => i.label === a.version })).label;
    },
    async (w) => {
      const items = options.sizes
        .map((z) => ({ label: z.slug, description: prices.has(z.slug) ? `${money(prices.get(z.slug)!)}/month per node` : 'price unknown' }))
        .sort((x, y) => Number(y.label === DEFAULT_SIZE) - Number(x.label === DEFAULT_SIZE));
      a.size = (await w.quickPick({ items, placeholder: `Node size (the workshop's minimum is ${DEFAULT_SIZE})`, active: (i) => i.label === a.size })).label;
    },
    async (w) => {
      a.count = await w.inputBox({
        prompt: 'Number of nodes in the pool',
        value: a.count,
        validate: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 512 ? undefined : 'A whole number from 1 to 512.'),
      });
    },
    async (w) => {
      const items = [
        { label: 'Install the Monitoring Stack', description: 'Prometheus, Grafana', detail: 'DigitalOcean\'s 1-click "monitoring": Prometheus, Grafana, metrics-server', on: true },
        { label: 'No Monitoring Stack', description: 'install it later', detail: 'It can be installed later from the cluster\'s context menu.', on: false },
      ];
      a.monitoring = (await w.quickPick({ items, placeholder: 'Monitoring Stack 1-click', active: (i) => i.on === a.monitoring })).on;
    },
    async (w) => {
      a.target = await pickKubeconfigTarget(w, a.region, a.name, a.target);
    },
  ]);
  if (!ok || !a.target) return;
  const req: ClusterRequest = { name: a.name, region: a.region, version: a.version, size: a.size, count: Number(a.count.trim()), monitoring: a.monitoring };
  const target = a.target;

  const cost = estimateMonthlyCost([{ size: req.size, count: req.count }], prices);
  const confirm = await vscode.window.showInformationMessage(
    `Create DOKS cluster "${req.name}" in ${req.region}?`,
    {
      modal: true,
      detail: [
        `Kubernetes ${req.version}, ${req.count} × ${req.size}${req.monitoring ? ', Monitoring Stack' : ''}.`,
        `Estimated cost: ${describeCost(cost)} (${cost.lines.join('; ')}); a LoadBalancer Service adds $12.00/month per load balancer node.`,
        'It is billed until you destroy it.',
      ].join('\n'),
    },
    'Create',
  );
  if (confirm !== 'Create') return;

  let created: DoCluster | undefined;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `DOKS cluster "${req.name}"`, cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return session.withClient((c) =>
          createCluster(c, req, {
            signal: ac.signal,
            progress: (m) => progress.report({ message: m }),
            tracker: session.tracker,
            options,
            kubeconfig: target,
            onCreated: (cl) => {
              created = cl;
              tree.refresh();
            },
          }),
        );
      },
    );
    tree.refresh();
    if (result.kubeconfig) await switchTo(reg, result.kubeconfig, target.mode);
    markStepDone(reg.context, 'clusterRunning');
    const mon =
      result.monitoring.outcome === 'requested' ? ' The Monitoring Stack install has started (DigitalOcean installs it in the background).' : '';
    void vscode.window.showInformationMessage(
      `Cluster "${result.cluster.name}" is running.${mon} Kubeconfig context ${result.kubeconfig?.context} saved in ${result.kubeconfig?.path}; the Workloads view now uses it.`,
    );
    if (result.monitoring.outcome === 'failed') {
      const again = await vscode.window.showWarningMessage(
        `Cluster "${result.cluster.name}" is running, but the Monitoring Stack could not be installed: ${result.monitoring.error}`,
        'Install Monitoring Stack',
      );
      if (again) await executeOwnCommand('sockShop.installMonitoring');
    }
  } catch (err) {
    tree.refresh();
    if (isCancellation(err)) {
      const msg = err instanceof Error && err.message !== 'Cancelled'
        ? err.message
        : created
          ? `Stopped waiting. Cluster "${created.name}" keeps being created on DigitalOcean and stays listed in the DigitalOcean view.`
          : 'Cancelled before the cluster was created.';
      reg.log.info(`create cluster: ${msg}`);
      void vscode.window.showInformationMessage(msg);
      return;
    }
    throw err;
  }
}

async function connectCommand(reg: Registry, session: DoSession, tree: DoTree, arg: unknown): Promise<void> {
  await session.withClient(async (client) => {
    const cluster = await targetCluster(client, arg, 'Connect to a DOKS cluster');
    if (cluster.status?.state !== 'running') {
      throw new UserError(`Cluster "${cluster.name}" is ${cluster.status?.state ?? 'not ready'}; connect once it is running.`, 'NotRunning');
    }
    let target: KubeconfigTarget | undefined;
    const chosen = await new MultiStepInput("Save the cluster's kubeconfig", 1).run([async (w) => void (target = await pickKubeconfigTarget(w, cluster.region, cluster.name))]);
    if (!chosen || !target) return;
    const saved = await saveKubeconfig(client, cluster, target, { tracker: session.tracker });
    await switchTo(reg, saved, target.mode);
    tree.refresh();
    void vscode.window.showInformationMessage(`Connected: context ${saved.context} in ${saved.path}${saved.expiresAt ? ` (credentials expire ${new Date(saved.expiresAt).toLocaleString()})` : ''}.`);
  });
}

async function refreshCredentialsCommand(reg: Registry, session: DoSession, tree: DoTree, arg: unknown): Promise<void> {
  await session.withClient(async (client) => {
    let cluster: DoCluster;
    // Called with a context name (e.g. from the Workloads view on expired credentials): find its cluster.
    if (typeof arg === 'string') {
      const tracked = session.tracker.all().find((t) => t.context === arg);
      const all = await client.listClusters();
      const found = tracked ? all.find((c) => c.id === tracked.id) : all.find((c) => doContextName(c.region, c.name) === arg);
      if (!found) throw new UserError(`No DOKS cluster in this account matches context "${arg}".`, 'NoCluster');
      cluster = found;
    } else {
      cluster = await targetCluster(client, arg, 'Refresh the credentials of a DOKS cluster');
    }
    const tracked = session.tracker.get(cluster.id);
    const path = tracked?.kubeconfigPath ?? (setting('kubeconfigPath').trim() || defaultKubeconfigPath());
    const saved = await refreshCredentials(client, cluster, { path, context: tracked?.context }, { tracker: session.tracker });
    kubeSession(reg).reload();
    tree.refresh();
    void vscode.window.showInformationMessage(
      `New credentials for context ${saved.context} saved in ${saved.path}${saved.expiresAt ? `; they expire ${new Date(saved.expiresAt).toLocaleString()}` : ''}.`,
    );
  });
}

async function installMonitoringCommand(reg: Registry, session: DoSession, tree: DoTree, arg: unknown): Promise<void> {
  await session.withClient(async (client) => {
    const cluster = await targetCluster(client, arg, 'Install the Monitoring Stack');
    if (cluster.status?.state !== 'running') throw new UserError(`Cluster "${cluster.name}" is ${cluster.status?.state ?? 'not ready'}; install the Monitoring Stack once it is running.`, 'NotRunning');
    const r = await installMonitoring(client, cluster);
    if (r.outcome === 'failed') throw new UserError(`The Monitoring Stack could not be installed on "${cluster.name}": ${r.error}`, 'InstallFailed');
    reg.log.info(`Monitoring Stack requested on ${cluster.name}: ${r.outcome === 'requested' ? r.message : ''}`);
    tree.refresh();
    void vscode.window.showInformationMessage(
      `The Monitoring Stack install has started on "${cluster.name}" (DigitalOcean installs it in the background; its Services appear in namespace kube-prometheus-stack).`,
    );
  });
}

/**
 * The LoadBalancer Services of a cluster, through its doctl-named context when the kubeconfig has it, so a
 * load balancer can be named by the Service it serves. Undefined when the cluster cannot be asked (no
 * context, unreachable within a few seconds): the confirmation then says the Service is unknown.
 */
async function clusterLoadBalancerServices(reg: Registry, cluster: DoCluster): Promise<LoadBalancerService[] | undefined> {
  const context = doContextName(cluster.region, cluster.name);
  try {
    const { kc } = loadKubeconfig({ settingPath: setting('kubeconfigPath'), context });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 8 s')), 8_000)));
    return await Promise.race([loadBalancerServices(kc), timeout]).finally(() => clearTimeout(timer));
  } catch (err) {
    reg.log.info(`destroy: the Services of ${cluster.name} could not be listed through context ${context}: ${(err as Error)?.message ?? err}`);
    return undefined;
  }
}

async function destroyCommand(reg: Registry, session: DoSession, tree: DoTree, arg: unknown): Promise<void> {
  const node = arg as DoNode | undefined;
  const fromTree = node && typeof node === 'object' && node.kind === 'cluster' ? node.row : undefined;
  await session.withClient(async (client) => {
    let target: { id?: string; name: string; region?: string };
    if (fromTree) target = { id: fromTree.id, name: fromTree.name, region: fromTree.region };
    else {
      const c = await targetCluster(client, undefined, 'Destroy a DOKS cluster');
      target = { id: c.id, name: c.name, region: c.region };
    }
    const extraPaths = [setting('kubeconfigPath').trim() || defaultKubeconfigPath()];
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Destroy "${target.name}"`, cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return destroyCluster(client, target, {
          signal: ac.signal,
          progress: (m) => progress.report({ message: m }),
          tracker: session.tracker,
          kubeconfigPaths: extraPaths,
          confirm: async (cluster, res, lbs) => {
            const services = await clusterLoadBalancerServices(reg, cluster);
            const lbLabel = (id: string, name: string) => {
              const lb = lbs.find((l) => l.id === id) ?? { id, name };
              return loadBalancerLabel({ ...lb, name: lb.name || name }, services && servicesOfLoadBalancer(lb, services));
            };
            const list = [
              ...res.load_balancers.map((r) => lbLabel(r.id, r.name)),
              ...lbs.filter((l) => !res.load_balancers.some((r) => r.id === l.id)).map((l) => lbLabel(l.id, l.name)),
              ...res.volumes.map((r) => `volume ${r.name}`),
              ...res.volume_snapshots.map((r) => `volume snapshot ${r.name}`),
            ];
            const typed = await vscode.window.showInputBox({
              title: `Destroy DOKS cluster "${cluster.name}"`,
              prompt: `This deletes the cluster and ${list.length ? list.join('; ') : 'no other resources'}. Type the cluster name to confirm.`,
              placeHolder: 'Type the cluster name here (nothing is filled in)',
              ignoreFocusOut: true,
              validateInput: (v) => (v === cluster.name || v === '' ? undefined : `Type "${cluster.name}" exactly.`),
            });
            return typed === cluster.name;
          },
        });
      },
    ).then(
      (r) => r,
      (err) => {
        tree.refresh();
        if (isCancellation(err)) {
          const msg = err instanceof Error && err.message !== 'Cancelled' ? err.message : 'Destroy cancelled; nothing was deleted.';
          void vscode.window.showInformationMessage(msg);
          return undefined;
        }
        throw err;
      },
    );
    if (!result) return;
    tree.refresh();
    kubeSession(reg).reload();
    if (result.outcome === 'already-gone') {
      void vscode.window.showInformationMessage(
        `Cluster "${result.name}" does not exist (already destroyed); nothing to do.${result.contextRemovedFrom.length ? ` Its stale kubeconfig context was removed from ${result.contextRemovedFrom.join(', ')}.` : ''}`,
      );
      return;
    }
    const removed = result.resources.load_balancers.length;
    const ctx = result.contextRemovedFrom.length ? ` Context removed from ${result.contextRemovedFrom.join(', ')}.` : '';
    if (result.remainingLoadBalancers.length) {
      void vscode.window.showWarningMessage(
        `Cluster "${result.cluster.name}" is destroyed, but load balancer(s) ${result.remainingLoadBalancers.map((l) => `${l.name} (${l.id})`).join(', ')} still exist and keep billing — delete them in the DigitalOcean control panel.${ctx}`,
      );
    } else {
      void vscode.window.showInformationMessage(`Cluster "${result.cluster.name}" and its ${removed} load balancer(s) are destroyed; none is left billing.${ctx}`);
    }
    markStepDone(reg.context, 'clusterDestroyed');
  });
}
