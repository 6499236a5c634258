// The Workloads tree view: a thin mapping of the core tree model (src/core/kube/model.ts) to
// vscode.TreeItems, kept live by the informer-backed WorkloadWatcher. Users never press refresh.
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { buildTree, treeChanges, type NodeUsage, type PodUsage, type TreeNode } from '../../core/kube/model';
import { credentialProblem, kubeconfigSource } from '../../core/kube/kubeconfig';
import { UsagePoller } from '../../core/kube/usage';
import { WorkloadWatcher } from '../../core/kube/watcher';
import type { Registry } from '../registry';
import { kubeconfigSettingCommand } from '../kube/index';
import { kubeSession, type KubeSession } from '../kube/session';
import { setting } from '../settings';
import { executeOwnCommand } from '../commands';

const ALL_NS_KEY = 'sockShop.allNamespaces';

export class WorkloadsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly session: KubeSession;
  private watcher: WorkloadWatcher | undefined;
  private poller: UsagePoller | undefined;
  private usage: PodUsage | undefined;
  private nodeUsage: NodeUsage | undefined;
  private root: TreeNode | undefined;
  private readonly byId = new Map<string, TreeNode>();
  private readonly parentOf = new Map<string, TreeNode>();
  /**
   * The node object VS Code last received for each id. VS Code knows tree elements by object identity:
   * refreshing a freshly built object it has never seen does nothing, so refreshes name these objects
   * (getTreeItem and getChildren then answer from the newest build by id).
   */
  private readonly shown = new Map<string, TreeNode>();
  private loadError: unknown;
  private server: string | undefined;
  /** An expired client certificate, known without asking the cluster. */
  private certProblem: UserError | undefined;
  /** The reason of the problem shown at the top of the tree, if any. */
  private problemReason: string | undefined;
  /** Contexts we already offered "Refresh Credentials" for (once per context and session). */
  private readonly offeredRefresh = new Set<string>();
  private started: Promise<void> | undefined;
  private generation = 0;
  private visible = true;
  private ageTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private view: vscode.TreeView<unknown> | undefined;

  constructor(private readonly reg: Registry) {
    this.session = kubeSession(reg);
    this.disposables.push(
      this.session.onDidChangeContext(() => this.restart()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('sockShop.namespace')) this.restart();
      }),
    );
    void vscode.commands.executeCommand('setContext', ALL_NS_KEY, this.allNamespaces);
  }

  attach(view: vscode.TreeView<unknown> | undefined): void {
    this.view = view;
    if (!view) return;
    this.visible = view.visible;
    this.disposables.push(
      view.onDidChangeVisibility((e) => {
        this.visible = e.visible;
        this.updatePolling();
      }),
    );
  }

  get allNamespaces(): boolean {
    return this.reg.context.workspaceState.get<boolean>(ALL_NS_KEY, false);
  }

  async setAllNamespaces(all: boolean): Promise<void> {
    await this.reg.context.workspaceState.update(ALL_NS_KEY, all);
    await vscode.commands.executeCommand('setContext', ALL_NS_KEY, all);
    this.restart();
  }

  get sockShopNamespace(): string {
    return setting('namespace');
  }

  /** The newest model (undefined before the first list). */
  get model(): TreeNode | undefined {
    return this.root;
  }

  /** All nodes of a kind in the current model (for palette pickers). */
  nodes(kind: TreeNode['kind']): TreeNode[] {
    return [...this.byId.values()].filter((n) => n.kind === kind);
  }

  private restart(): void {
    this.generation++;
    const old = this.watcher;
    this.watcher = undefined;
    this.poller?.stop();
    this.poller = undefined;
    this.usage = undefined;
    this.nodeUsage = undefined;
    void old?.stop();
    this.started = undefined;
    this.root = undefined;
    this.byId.clear();
    this.parentOf.clear();
    this.refreshAll(true);
  }

  /**
   * Redraws what changed since `before` (the previous build's nodes by id), naming the objects VS Code
   * holds: mostly single rows, a subtree only when its membership changed (see treeChanges).
   */
  private refreshChanged(before: Map<string, TreeNode> | undefined): void {
    if (!this.root) return;
    const changes = treeChanges(before, this.root);
    if (changes.all) return this.refreshAll(true);
    // Rows VS Code has not fetched (under a collapsed node) need no redraw: they are asked for when shown.
    const nodes = changes.ids.map((id) => this.shown.get(id)).filter((n): n is TreeNode => !!n);
    if (nodes.length) this.emitter.fire(nodes);
  }

  /**
   * Redraws the whole tree. Refreshing the root object VS Code holds keeps every item's handle, where
   * firing `undefined` drops them all and a lookup already in flight fails ("No tree item with id …").
   */
  private refreshAll(rootChanged = false): void {
    const shownRoot = this.root && this.shown.get(this.root.id);
    if (!rootChanged && shownRoot) {
      this.emitter.fire(shownRoot);
      return;
    }
    this.shown.clear();
    this.emitter.fire(undefined);
  }

  private ensureStarted(): Promise<void> {
    this.started ??= this.start(this.generation);
    return this.started;
  }

  private async start(gen: number): Promise<void> {
    let kc;
    try {
      kc = await this.session.current();
      this.loadError = undefined;
    } catch (err) {
      this.loadError = err;
      return;
    }
    if (gen !== this.generation) return;
    this.server = kc.getCurrentCluster()?.server;
    const watcher = new WorkloadWatcher(kc, {
      namespace: this.allNamespaces ? undefined : this.sockShopNamespace,
      log: (level, message) => (level === 'warn' ? this.reg.log.warn(message) : this.reg.log.info(message)),
    });
    this.watcher = watcher;
    watcher.on('change', () => {
      if (gen !== this.generation) return;
      this.refreshChanged(this.rebuild());
    });
    this.certProblem = credentialProblem(kc);
    if (this.certProblem) this.reg.log.warn(this.certProblem.message);
    const started = Date.now();
    void watcher.start().then(() => {
      if (gen === this.generation) this.reg.log.info(`workloads: first list in ${Date.now() - started} ms`);
    });
    this.poller = new UsagePoller(kc, {
      namespace: this.allNamespaces ? undefined : this.sockShopNamespace,
      onUsage: (u) => {
        if (gen !== this.generation) return;
        this.usage = u;
        this.refreshChanged(this.rebuild());
      },
      onNodeUsage: (u) => {
        if (gen !== this.generation) return;
        this.nodeUsage = u;
        this.refreshChanged(this.rebuild());
      },
    });
    this.updatePolling();
    this.rebuild();
  }

  private updatePolling(): void {
    if (this.visible && this.poller) this.poller.start();
    else this.poller?.stop();
    clearInterval(this.ageTimer);
    this.ageTimer = undefined;
    if (this.visible && this.watcher) {
      // Ages in descriptions move on by themselves.
      this.ageTimer = setInterval(() => this.refreshChanged(this.rebuild()), 30_000);
    }
  }

  /** Builds the model anew; returns the previous build's nodes by id (undefined when there was none). */
  private rebuild(): Map<string, TreeNode> | undefined {
    const w = this.watcher;
    if (!w) return undefined;
    const previous = this.root ? new Map(this.byId) : undefined;
    const state = w.state();
    const context = this.session.contextName ?? '?';
    const root = buildTree({
      context,
      server: this.server,
      snapshot: w.snapshot(),
      allNamespaces: this.allNamespaces,
      sockShopNamespace: this.sockShopNamespace,
      usage: this.usage,
      nodeUsage: this.nodeUsage,
      now: new Date(),
      loading: !state.synced,
      problem: state.error ? (this.certProblem?.message ?? problemText(state.error)) : undefined,
    });
    this.problemReason = state.error ? (this.certProblem?.reason ?? (state.error instanceof UserError ? state.error.reason : undefined)) : undefined;
    if (this.problemReason === 'ExpiredCredentials' && context.startsWith('do-') && !this.offeredRefresh.has(context)) {
      this.offeredRefresh.add(context);
      const message = this.certProblem?.message ?? problemText(state.error);
      void vscode.window.showErrorMessage(message, 'Refresh Credentials').then((pick) => {
        if (pick) void executeOwnCommand('sockShop.refreshCredentials', context);
      });
    }
    this.root = root;
    this.byId.clear();
    this.parentOf.clear();
    const index = (n: TreeNode, parent?: TreeNode) => {
      this.byId.set(n.id, n);
      if (parent) this.parentOf.set(n.id, parent);
      for (const c of n.children ?? []) index(c, n);
    };
    index(root);
    return previous;
  }

  async getChildren(element?: TreeNode): Promise<TreeNode[]> {
    if (!element) {
      await this.ensureStarted();
      if (this.loadError) {
        // No kubeconfig at all: an empty tree lets the welcome view explain what to do.
        if (this.loadError instanceof UserError && this.loadError.reason === 'NoKubeconfig') return [];
        if (this.loadError instanceof UserError && this.loadError.reason === 'MissingKubeconfigFile') {
          return [
            // Short label for the sidebar's width; the whole message is the tooltip.
            {
              id: '!load-error',
              kind: 'message',
              label: 'Kubeconfig file not found',
              description: kubeconfigSource({ settingPath: setting('kubeconfigPath') }).paths[0],
              tooltip: problemText(this.loadError),
              icon: 'error',
              color: 'testing.iconFailed',
              collapsible: 'none',
            },
            { id: '!fix-kubeconfig-setting', kind: 'message', label: 'Fix the setting…', description: 'sockShop.kubeconfigPath', tooltip: 'Opens the setting sockShop.kubeconfigPath', icon: 'gear', collapsible: 'none' },
          ];
        }
        return [
          {
            id: '!load-error',
            kind: 'message',
            label: problemText(this.loadError),
            tooltip: problemText(this.loadError),
            icon: 'error',
            color: 'testing.iconFailed',
            collapsible: 'none',
          },
        ];
      }
      if (!this.root) this.rebuild();
      return this.handOut(this.root ? [this.root] : []);
    }
    // Elements may come from an older build; answer from the newest one.
    return this.handOut((this.byId.get(element.id) ?? element).children ?? []);
  }

  private handOut(nodes: TreeNode[]): TreeNode[] {
    for (const n of nodes) this.shown.set(n.id, n);
    return nodes;
  }

  getParent(element: TreeNode): TreeNode | undefined {
    return this.parentOf.get(element.id);
  }

  getTreeItem(element: TreeNode): vscode.TreeItem {
    // VS Code may hand back an object of an older build: describe the newest node with its id.
    const n = this.byId.get(element.id) ?? element;
    const state =
      n.collapsible === 'none'
        ? vscode.TreeItemCollapsibleState.None
        : n.collapsible === 'expanded'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(n.label, state);
    item.id = n.id;
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.contextValue = n.contextValue;
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon, n.color ? new vscode.ThemeColor(n.color) : undefined);
    if (n.kind === 'message' && n.id.endsWith('/!problem') && this.problemReason === 'ExpiredCredentials' && this.root?.label.startsWith('do-')) {
      item.command = { command: 'sockShop.refreshCredentials', title: 'Refresh Credentials', arguments: [this.root.label] };
    }
    if (n.kind === 'message' && n.id === '!fix-kubeconfig-setting') {
      item.command = kubeconfigSettingCommand('Open Setting');
    } else if (n.kind === 'message' && n.id === '!load-error') {
      item.command =
        this.loadError instanceof UserError && this.loadError.reason === 'MissingKubeconfigFile'
          ? kubeconfigSettingCommand('Open Setting')
          : { command: 'sockShop.selectContext', title: 'Select Kubernetes Context' };
    }
    return item;
  }

  dispose(): void {
    this.generation++;
    clearInterval(this.ageTimer);
    this.poller?.stop();
    void this.watcher?.stop();
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}

function problemText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
