// The "DigitalOcean" tree: clusters (status icon, region, version, pools, estimated cost, credentials
// expiry) with their node pools and load balancers underneath. Polls while something is changing and
// idles otherwise. Clusters created from here stay listed even when the API cannot be read.
import * as vscode from 'vscode';
import type { DoLoadBalancer, DoNodePool } from '../../core/digitalocean/client';
import type { KubeOptions } from '../../core/digitalocean/validate';
import { clusterRow, trackedOnlyRow, type ClusterRow } from '../../core/digitalocean/view';
import { isUnauthorized } from '../../core/digitalocean/http';
import { describeError } from '../../core/errors';
import type { Registry } from '../registry';
import { doSession, type DoSession } from './session';

export type DoNode =
  | { kind: 'cluster'; row: ClusterRow; pools: DoNodePool[] }
  | { kind: 'pool'; pool: DoNodePool; clusterId: string }
  | { kind: 'lb'; lb: DoLoadBalancer; clusterId: string }
  | { kind: 'message'; text: string; detail?: string; icon: string; command?: vscode.Command };

const POLL_CHANGING_MS = 10_000;
const PRICES_TTL_MS = 10 * 60_000;

const ICONS: Record<ClusterRow['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  provisioning: new vscode.ThemeIcon('sync~spin'),
  deleting: new vscode.ThemeIcon('trash'),
  degraded: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  errored: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  unknown: new vscode.ThemeIcon('question'),
};

/** The window's DigitalOcean clusters tree (on the DigitalOcean session), shared by the view and the commands. */
export function doTree(reg: Registry): DoTree {
  return reg.service('digitalocean.tree', () => new DoTree(reg, doSession(reg)));
}

export class DoTree implements vscode.TreeDataProvider<DoNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<DoNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private roots: DoNode[] | undefined;
  private loading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private prices: { at: number; map: Map<string, number>; options: KubeOptions } | undefined;
  private visible = true;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly reg: Registry,
    private readonly session: DoSession,
  ) {
    this.disposables.push(this.emitter, session.onDidChange(() => this.refresh()));
  }

  attach(view: vscode.TreeView<unknown> | undefined): void {
    if (!view) return;
    this.visible = view.visible;
    this.disposables.push(
      view.onDidChangeVisibility((e) => {
        this.visible = e.visible;
        if (e.visible) this.refresh();
        else this.stopPolling();
      }),
    );
  }

  dispose(): void {
    this.stopPolling();
    for (const d of this.disposables) d.dispose();
  }

  /** Cluster rows as last loaded (for commands run from the palette). */
  clusters(): ClusterRow[] {
    return (this.roots ?? []).flatMap((n) => (n.kind === 'cluster' ? [n.row] : []));
  }

  refresh(): void {
    this.roots = undefined;
    this.emitter.fire(undefined);
  }

  private stopPolling(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Options and size prices, cached (they rarely change). */
  async priceList(): Promise<{ map: Map<string, number>; options: KubeOptions } | undefined> {
    if (this.prices && Date.now() - this.prices.at < PRICES_TTL_MS) return this.prices;
    const client = await this.session.client();
    if (!client) return undefined;
    const options = await client.options();
    const map = await client.sizePrices(options);
    this.prices = { at: Date.now(), map, options };
    return this.prices;
  }

  private async load(): Promise<DoNode[]> {
    const client = await this.session.client();
    if (!client) return [];
    const tracked = this.session.tracker.all();
    let clusters;
    try {
      clusters = await client.listClusters();
    } catch (err) {
      const rows = tracked.map((t) => ({ kind: 'cluster' as const, row: trackedOnlyRow(t, describeError(err)), pools: [] }));
      return [
        {
          kind: 'message',
          text: isUnauthorized(err) ? 'DigitalOcean rejected the token — sign in again' : 'Cannot list clusters',
          detail: describeError(err),
          icon: 'error',
          command: isUnauthorized(err) ? { command: 'sockShop.signIn', title: 'Sign in' } : { command: 'sockShop.refreshClusters', title: 'Retry' },
        },
        ...rows,
      ];
    }
    let lbs: DoLoadBalancer[] = [];
    let lbError: string | undefined;
    try {
      lbs = await client.listLoadBalancers();
    } catch (err) {
      lbError = describeError(err);
    }
    let prices = new Map<string, number>();
    try {
      prices = (await this.priceList())?.map ?? prices;
    } catch (err) {
      this.reg.log.warn(`DigitalOcean: prices unavailable: ${describeError(err)}`);
    }
    const nodes: DoNode[] = clusters.map((c) => ({
      kind: 'cluster' as const,
      row: clusterRow(c, lbs, prices, this.session.tracker.get(c.id)),
      pools: c.node_pools ?? [],
    }));
    // A cluster we created that the list does not show: gone only if DigitalOcean says 404.
    for (const t of tracked) {
      if (clusters.some((c) => c.id === t.id)) continue;
      try {
        const c = await client.getCluster(t.id);
        if (!c) {
          if (!t.pending) await this.session.tracker.forget(t.id);
          continue;
        }
        nodes.push({ kind: 'cluster', row: clusterRow(c, lbs, prices, t), pools: c.node_pools ?? [] });
      } catch (err) {
        nodes.push({ kind: 'cluster', row: trackedOnlyRow(t, describeError(err)), pools: [] });
      }
    }
    if (lbError) nodes.push({ kind: 'message', text: 'Load balancers could not be listed', detail: lbError, icon: 'warning' });
    if (nodes.length === 0) {
      nodes.push({ kind: 'message', text: 'No Kubernetes clusters yet', icon: 'info', command: { command: 'sockShop.createCluster', title: 'Create DOKS Cluster' } });
    }
    return nodes;
  }

  async getChildren(node?: DoNode): Promise<DoNode[]> {
    if (node?.kind === 'cluster') {
      return [
        ...node.pools.map((pool) => ({ kind: 'pool' as const, pool, clusterId: node.row.id })),
        ...node.row.loadBalancers.map((lb) => ({ kind: 'lb' as const, lb, clusterId: node.row.id })),
      ];
    }
    if (node) return [];
    if (!this.roots) {
      this.loading ??= this.load()
        .then((r) => {
          this.roots = r;
        })
        .catch((err) => {
          this.roots = [{ kind: 'message', text: 'Cannot load DigitalOcean', detail: describeError(err), icon: 'error' }];
        })
        .finally(() => {
          this.loading = undefined;
          this.schedule();
        });
      await this.loading;
    }
    return this.roots ?? [];
  }

  /** Polls again soon while a cluster is changing (and the view is visible); idles otherwise. */
  private schedule(): void {
    this.stopPolling();
    const changing = (this.roots ?? []).some((n) => n.kind === 'cluster' && n.row.changing);
    if (!changing || !this.visible) return;
    this.timer = setTimeout(() => this.refresh(), POLL_CHANGING_MS);
  }

  getTreeItem(node: DoNode): vscode.TreeItem {
    switch (node.kind) {
      case 'cluster': {
        const r = node.row;
        const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `do-cluster-${r.id}`;
        item.description = r.description;
        item.tooltip = r.tooltip;
        item.iconPath = ICONS[r.status];
        item.contextValue = `doCluster.${r.status}${r.tracked?.context ? '.connected' : ''}`;
        return item;
      }
      case 'pool': {
        const p = node.pool;
        const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.None);
        const ready = (p.nodes ?? []).filter((n) => n.status?.state === 'running').length;
        item.description = `${p.count} × ${p.size}${p.nodes ? ` · ${ready}/${p.nodes.length} nodes running` : ''}`;
        item.iconPath = new vscode.ThemeIcon('server');
        item.contextValue = 'doNodePool';
        return item;
      }
      case 'lb': {
        const lb = node.lb;
        const item = new vscode.TreeItem(lb.name, vscode.TreeItemCollapsibleState.None);
        item.description = `load balancer · ${lb.status ?? '?'}${lb.ip ? ` · ${lb.ip}` : ''}`;
        item.tooltip = `Load balancer ${lb.name} (${lb.id})\nBills until deleted; Destroy removes it with the cluster.`;
        item.iconPath = new vscode.ThemeIcon('globe');
        item.contextValue = 'doLoadBalancer';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.description = node.detail;
        item.tooltip = node.detail;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.command = node.command;
        return item;
      }
    }
  }
}
