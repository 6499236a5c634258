// The Kubernetes session every feature shares: which kubeconfig, which context.
//   const kc = await kubeSession(reg).current();   // client-node KubeConfig with the context set
// It follows the sockShop.kubeconfigPath / sockShop.context settings and changes to the kubeconfig
// files themselves (e.g. after "Refresh Credentials" wrote a new one), and fires onDidChangeContext.
import * as fs from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigSource, loadKubeconfig, type LoadedKubeconfig } from '../../core/kube/kubeconfig';
import type { Registry } from '../registry';
import { setting, updateUserSetting } from '../settings';

export interface KubeSession {
  /** The KubeConfig with the active context set. Throws a UserError when there is no usable kubeconfig. */
  current(): Promise<KubeConfig>;
  /** The active context's name, once loaded (undefined when there is no kubeconfig). */
  readonly contextName: string | undefined;
  /** Fires when the kubeconfig or the chosen context changes (also after reload()). */
  readonly onDidChangeContext: vscode.Event<void>;
  /** The loaded kubeconfig details (files, contexts); throws like current(). */
  loaded(): Promise<LoadedKubeconfig>;
  /** Context names in the kubeconfig (empty when there is none). */
  contexts(): Promise<string[]>;
  /** Uses `name` from now on (stored in the sockShop.context setting). */
  selectContext(name: string): Promise<void>;
  /** Re-reads the kubeconfig (e.g. after another feature wrote to it) and fires onDidChangeContext. */
  reload(): void;
  /** The files the kubeconfig was read from, for messages. */
  readonly files: readonly string[];
}

const KEY = 'kube.session';

export function kubeSession(reg: Registry): KubeSession {
  return reg.service(KEY, () => new Session(reg));
}

class Session implements KubeSession, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeContext = this.emitter.event;
  private state: LoadedKubeconfig | undefined;
  private error: unknown;
  private loadedOnce = false;
  private watchers: fs.FSWatcher[] = [];
  private watchedFiles: string[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly reg: Registry) {
    let kubeconfigPath = this.setting('kubeconfigPath');
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('sockShop.kubeconfigPath')) {
          const before = kubeconfigPath;
          kubeconfigPath = this.setting('kubeconfigPath');
          if (before && before !== kubeconfigPath) void this.hintStranded(before);
        }
        if (e.affectsConfiguration('sockShop.kubeconfigPath') || e.affectsConfiguration('sockShop.context')) this.reload();
      }),
    );
  }

  /**
   * The setting moved away from a file whose contexts the new kubeconfig lacks (e.g. a DOKS cluster's
   * "Separate file"): say where they are, with a way back, rather than leave them stranded silently.
   */
  private async hintStranded(previous: string): Promise<void> {
    let stranded: string[];
    try {
      const old = loadKubeconfig({ settingPath: previous }).contexts;
      let now: string[] = [];
      try {
        now = loadKubeconfig({ settingPath: this.setting('kubeconfigPath') }).contexts;
      } catch {
        now = [];
      }
      stranded = old.filter((c) => !now.includes(c));
    } catch {
      return; // the previous file is gone or unreadable: nothing is stranded there
    }
    if (!stranded.length) return;
    const back = 'Use It Again';
    const pick = await vscode.window.showInformationMessage(
      `sockShop.kubeconfigPath no longer points to ${previous}: its context${stranded.length === 1 ? '' : 's'} ${stranded.slice(0, 3).join(', ')}${stranded.length > 3 ? ', …' : ''} ${stranded.length === 1 ? 'is' : 'are'} still there, but not in the kubeconfig now in use.`,
      back,
    );
    if (pick === back) await updateUserSetting('kubeconfigPath', previous);
  }

  get contextName(): string | undefined {
    this.ensure();
    return this.state?.context;
  }

  get files(): readonly string[] {
    this.ensure();
    return this.state?.files ?? [];
  }

  async current(): Promise<KubeConfig> {
    return (await this.loaded()).kc;
  }

  async loaded(): Promise<LoadedKubeconfig> {
    this.ensure();
    if (!this.state) throw this.error;
    return this.state;
  }

  async contexts(): Promise<string[]> {
    this.ensure();
    if (this.state) return this.state.contexts;
    // The chosen context may be the problem; the list is still useful for picking another one.
    try {
      return loadKubeconfig({ settingPath: this.setting('kubeconfigPath') }).contexts;
    } catch {
      return [];
    }
  }

  async selectContext(name: string): Promise<void> {
    await updateUserSetting('context', name);
    // onDidChangeConfiguration reloads; make it immediate for the caller.
    this.reload();
  }

  reload(): void {
    const before = this.fingerprint();
    this.loadedOnce = false;
    this.ensure();
    // Settings changes and file watchers may both report one change: fire once per real change.
    if (this.fingerprint() !== before) this.emitter.fire();
  }

  /** What the session would connect with; equal fingerprints mean nothing changed. */
  private fingerprint(): string {
    if (!this.state) return `error:${(this.error as Error | undefined)?.message ?? ''}`;
    try {
      return `${this.state.context}\0${this.state.kc.exportConfig()}`;
    } catch {
      return `${this.state.context}\0${Date.now()}`;
    }
  }

  private setting(key: 'kubeconfigPath' | 'context'): string {
    return setting(key);
  }

  private ensure(): void {
    if (this.loadedOnce) return;
    this.loadedOnce = true;
    const before = this.state?.context;
    try {
      this.state = loadKubeconfig({ settingPath: this.setting('kubeconfigPath'), context: this.setting('context') });
      this.error = undefined;
      if (before !== this.state.context) {
        this.reg.log.info(`kubernetes: context ${this.state.context} from ${this.state.files.join(', ')}`);
      }
    } catch (err) {
      this.state = undefined;
      this.error = err;
      this.reg.log.warn(`kubernetes: ${(err as Error).message}`);
    }
    this.watch();
  }

  /** Watches the kubeconfig files (and the directories of missing ones) to reload on change. */
  private watch(): void {
    let targets: string[];
    try {
      const src = this.state?.source ?? kubeconfigSource({ settingPath: this.setting('kubeconfigPath') });
      targets = src.paths;
    } catch {
      targets = [];
    }
    if (targets.join('\0') === this.watchedFiles.join('\0')) return;
    this.closeWatchers();
    this.watchedFiles = targets;
    for (const file of targets) {
      // Watching the directory catches files written by rename (atomic replace) and files created later.
      const dir = dirname(file);
      const base = basename(file);
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, name) => {
          if (name && name.toString() !== base) return;
          this.scheduleReload();
        });
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // Directory missing: nothing to watch; settings changes still reload.
      }
    }
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => this.reload(), 300);
  }

  private closeWatchers(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    this.closeWatchers();
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}
