// The activation-path half of the extension: no heavy imports here (only `vscode` and types).
// Every command in package.json's contributes.commands and every view in contributes.views is
// registered at activation with a forwarder; the first call loads dist/main.js and hands over.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type * as MainModule from './main';
import type { Features } from './registry';
import { restoreWalkthrough } from './walkthrough-steps';
import { onceUntilFailure } from '../core/async';
import { requireWithCodeCache } from '../core/codecache';

/** How long after loading the features bundle its code cache is written (the first view has rendered by then). */
const CODE_CACHE_SAVE_MS = 10_000;

interface ContributedCommand {
  command: string;
}

export function activateLazily(context: vscode.ExtensionContext): void {
  const activationStarted = performance.now();
  const log = vscode.window.createOutputChannel('Sock Shop Lab', { log: true });
  context.subscriptions.push(log);
  restoreWalkthrough(context);
  const contributes = context.extension.packageJSON.contributes ?? {};
  const views = new Map<string, vscode.TreeView<unknown>>();
  // A failed load (a broken install, an exception while features register) is reported and retried on
  // the next use instead of failing every later command with the same memoised error.
  const features = onceUntilFailure(async (): Promise<Features> => {
    const started = performance.now();
    // A path computed at run time keeps esbuild from bundling main.js into this file.
    const mainPath = path.join(__dirname, 'main.js');
    try {
      // Through V8's code cache (kept in the extension's global storage): a warm load skips compiling 4 MB.
      const loaded = requireWithCodeCache<typeof MainModule>(mainPath, path.join(context.globalStorageUri.fsPath, 'code-cache'), require);
      const setUp = performance.now();
      const result = loaded.exports.createFeatures({ context, log, views });
      const ms = (t: number) => Math.round(t);
      log.info(
        `features loaded in ${ms(performance.now() - started)} ms (code cache ${loaded.cache}: compile ${ms(loaded.compileMs)} ms, run ${ms(loaded.runMs)} ms, set-up ${ms(performance.now() - setUp)} ms)`,
      );
      if (loaded.cache !== 'used' && loaded.cache !== 'off') {
        const timer = setTimeout(() => {
          if (loaded.save()) log.info('features code cache written for the next start');
        }, CODE_CACHE_SAVE_MS);
        context.subscriptions.push({ dispose: () => clearTimeout(timer) });
      }
      return result;
    } catch (err) {
      log.error(`features failed to load (retried on the next use): ${(err as Error)?.stack ?? err}`);
      void vscode.window.showErrorMessage(`Sock Shop Lab could not load its features: ${(err as Error)?.message ?? err}. It tries again on the next command.`);
      throw err;
    }
  });

  for (const { command } of (contributes.commands ?? []) as ContributedCommand[]) {
    context.subscriptions.push(
      vscode.commands.registerCommand(command, async (...args: unknown[]) => {
        const f = await features();
        const handler = f.commands.get(command);
        if (!handler) {
          log.error(`command ${command} is contributed but has no implementation`);
          void vscode.window.showErrorMessage(`Sock Shop Lab: "${command}" is not available in this build.`);
          return undefined;
        }
        return handler(...args);
      }),
    );
  }

  // YAML diagnostics (kube-monkey, deprecated APIs, unsafe RBAC) live in the features bundle: load it
  // when a YAML document is open, after activation has returned, so activation itself stays cheap.
  const isYaml = (doc: vscode.TextDocument) => doc.languageId === 'yaml';
  const loadForYaml = () => setTimeout(() => void features(), 0);
  if (vscode.workspace.textDocuments.some(isYaml)) loadForYaml();
  else {
    const sub = vscode.workspace.onDidOpenTextDocument((doc) => {
      if (!isYaml(doc)) return;
      sub.dispose();
      loadForYaml();
    });
    context.subscriptions.push(sub);
  }

  const viewIds = Object.values((contributes.views ?? {}) as Record<string, { id: string; type?: string }[]>)
    .flat()
    .filter((v) => v.type !== 'webview')
    .map((v) => v.id);
  for (const id of viewIds) {
    const provider = new LazyTreeProvider(id, features);
    const view = vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: true });
    views.set(id, view);
    context.subscriptions.push(view, provider);
  }
  log.info(`activated in ${Math.round(performance.now() - activationStarted)} ms`);
}

/** Forwards to the real provider once the features bundle is loaded (on the view's first render). */
class LazyTreeProvider implements vscode.TreeDataProvider<unknown>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<unknown>();
  readonly onDidChangeTreeData = this.emitter.event;
  private real: vscode.TreeDataProvider<unknown> | undefined;
  private subscription: vscode.Disposable | undefined;

  constructor(
    private readonly id: string,
    private readonly features: () => Promise<Features>,
  ) {}

  private async provider(): Promise<vscode.TreeDataProvider<unknown> | undefined> {
    if (!this.real) {
      const f = await this.features();
      this.real = f.trees.get(this.id);
      this.subscription = this.real?.onDidChangeTreeData?.((e) => this.emitter.fire(e));
    }
    return this.real;
  }

  async getChildren(element?: unknown): Promise<unknown[]> {
    const p = await this.provider();
    return (await p?.getChildren(element)) ?? [];
  }

  async getTreeItem(element: unknown): Promise<vscode.TreeItem> {
    const p = await this.provider();
    if (!p) return new vscode.TreeItem(String(element));
    return p.getTreeItem(element);
  }

  async getParent(element: unknown): Promise<unknown> {
    const p = await this.provider();
    return p?.getParent?.(element);
  }

  async resolveTreeItem(item: vscode.TreeItem, element: unknown, token: vscode.CancellationToken) {
    const p = await this.provider();
    return p?.resolveTreeItem ? p.resolveTreeItem(item, element, token) : item;
  }

  dispose(): void {
    this.subscription?.dispose();
    this.emitter.dispose();
  }
}
