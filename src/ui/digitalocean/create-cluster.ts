// "Sock Shop: Create DOKS Cluster": seven questions in one multi-step input, a modal cost confirmation,
// then the cancellable create (src/core/digitalocean/flows.ts) that saves the kubeconfig and switches to it.
import * as vscode from 'vscode';
import type { DoCluster } from '../../core/digitalocean/client';
import { describeCost, estimateMonthlyCost, money } from '../../core/digitalocean/cost';
import { createCluster, type KubeconfigTarget } from '../../core/digitalocean/flows';
import { clusterNameProblem, latestVersion, type ClusterRequest } from '../../core/digitalocean/validate';
import { isCancellation } from '../../core/errors';
import type { Registry } from '../registry';
import { doSession, type DoSession } from './session';
import { doTree, type DoTree } from './tree';
import { pickKubeconfigTarget, switchTo } from './shared';
import { markStepDone } from '../walkthrough-steps';
import { setting } from '../settings';
import { MultiStepInput } from '../multistep';
import { executeOwnCommand } from '../commands';

const DEFAULT_SIZE = 's-1vcpu-2gb';
const DEFAULT_COUNT = 2;

export function registerCreateCluster(reg: Registry): void {
  const session = doSession(reg);
  const tree = doTree(reg);
  reg.command('sockShop.createCluster', () => createClusterCommand(reg, session, tree));
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
