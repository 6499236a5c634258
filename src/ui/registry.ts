// The one command registry and the shape every feature module plugs into.
// A feature lives in src/ui/<feature>/ and exports `register(reg: Registry)`; src/ui/main.ts lists them.
import * as vscode from 'vscode';
import { describeError, isCancellation, UserError } from '../core/errors';
import type { CommandId } from './command-ids';

export type CommandHandler = (...args: any[]) => unknown;

export interface Features {
  commands: Map<string, CommandHandler>;
  trees: Map<string, vscode.TreeDataProvider<unknown>>;
}

export interface FeatureEnv {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  /** Tree views created at activation, by view id. */
  views: Map<string, vscode.TreeView<unknown>>;
}

export class Registry {
  readonly commands = new Map<string, CommandHandler>();
  readonly trees = new Map<string, vscode.TreeDataProvider<unknown>>();
  /** Shared singletons (kube session, DigitalOcean session, ...), created on first use by their owner. */
  private readonly services = new Map<string, unknown>();

  constructor(readonly env: FeatureEnv) {}

  get context(): vscode.ExtensionContext {
    return this.env.context;
  }

  get log(): vscode.LogOutputChannel {
    return this.env.log;
  }

  /**
   * Registers a command implementation. Errors are shown once, specifically, and logged;
   * cancellations are silent.
   */
  command(id: CommandId, handler: CommandHandler): void {
    if (this.commands.has(id)) throw new Error(`command ${id} registered twice`);
    this.commands.set(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (err) {
        if (isCancellation(err)) {
          this.log.info(`${id}: cancelled`);
          return undefined;
        }
        const message = describeError(err);
        this.log.error(`${id}: ${message}${err instanceof UserError && err.detail ? `\n${err.detail}` : ''}`);
        if (!(err instanceof UserError)) this.log.debug(String((err as Error)?.stack ?? err));
        void vscode.window.showErrorMessage(message);
        return undefined;
      }
    });
  }

  tree<T>(viewId: string, provider: vscode.TreeDataProvider<T>): vscode.TreeView<unknown> | undefined {
    this.trees.set(viewId, provider as vscode.TreeDataProvider<unknown>);
    return this.env.views.get(viewId);
  }

  /** Returns the shared service under key, creating it with make() the first time. */
  service<T>(key: string, make: () => T): T {
    if (!this.services.has(key)) {
      const value = make();
      this.services.set(key, value);
      const disposable = value as { dispose?: () => void };
      if (typeof disposable?.dispose === 'function') this.context.subscriptions.push({ dispose: () => disposable.dispose!() });
    }
    return this.services.get(key) as T;
  }
}
