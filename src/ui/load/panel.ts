// The Load panel (one per window): shows the run in progress — a load run, a Locust run in the cluster or a
// chaos experiment's load — with its kill markers and readiness lane. Whoever runs something begins a run
// on it and feeds it; the panel's Stop and Run again buttons go to that run.
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { reportPathAllowed } from '../../core/load/report';
import { checkWebviewMessage, type HostMessage, type LiveStats, type ReadinessSample, type RunInfo, type RunMarker, type RunSummary, type WebviewMessage } from '../../common/contracts/load';
import type { Registry } from '../registry';
import { WebviewHost } from '../webview/host';
import { LOAD_BODY } from './html';

const VIEW_TYPE = 'sockShop.load';

export interface RunControls {
  stop(): void;
  runAgain?: () => Promise<unknown>;
}

/** The run the panel shows: what its owner feeds it. Calls after the panel moved on to another run are dropped. */
export interface PanelRun {
  readonly id: number;
  stats(s: LiveStats): void;
  phase(message: string): void;
  marker(m: RunMarker): void;
  readiness(s: ReadinessSample): void;
  done(summary: RunSummary): void;
  error(message: string): void;
}

export class LoadPanel implements vscode.Disposable {
  private host: WebviewHost<HostMessage, WebviewMessage> | undefined;
  private counter = 0;
  private shown: { id: number; controls: RunControls } | undefined;

  constructor(private readonly reg: Registry) {}

  /** Opens (or reveals) the panel beside the editor and shows a new run on it. */
  begin(info: Omit<RunInfo, 'id' | 'startedAt'>, controls: RunControls): PanelRun {
    const host = this.open();
    const id = ++this.counter;
    this.shown = { id, controls };
    host.post({ type: 'start', run: { ...info, id, startedAt: Date.now() } });
    const post = (m: HostMessage) => this.host?.post(m);
    return {
      id,
      stats: (stats) => post({ type: 'stats', runId: id, stats }),
      phase: (message) => post({ type: 'phase', runId: id, message }),
      marker: (marker) => post({ type: 'marker', runId: id, marker }),
      readiness: (sample) => post({ type: 'readiness', runId: id, sample }),
      done: (summary) => post({ type: 'done', runId: id, summary }),
      error: (message) => post({ type: 'error', runId: id, message }),
    };
  }

  dispose(): void {
    this.host?.dispose();
  }

  private open(): WebviewHost<HostMessage, WebviewMessage> {
    if (this.host) {
      this.host.reveal(vscode.ViewColumn.Beside, true);
      return this.host;
    }
    const host = new WebviewHost<HostMessage, WebviewMessage>(this.reg.context.extensionUri, {
      viewType: VIEW_TYPE,
      title: 'Load',
      bundle: 'load',
      body: LOAD_BODY,
      column: { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      retainContextWhenHidden: true,
      readyType: 'ready',
      check: checkWebviewMessage,
      onMessage: (m) => this.handle(m),
      log: this.reg.log,
    });
    host.onDidDispose(() => {
      if (this.host === host) this.host = undefined;
    });
    this.host = host;
    return host;
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return;
      case 'stop':
        this.shown?.controls.stop();
        return;
      case 'runAgain': {
        const again = this.shown?.controls.runAgain;
        if (!again) throw new UserError('This run cannot be repeated from the panel: start it again from its command.', 'Refused');
        void again().catch((err) => this.reg.log.error(`load: ${(err as Error)?.message ?? err}`));
        return;
      }
      case 'openReport': {
        const dirs = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
        if (!reportPathAllowed(m.path, dirs)) throw new UserError(`Refused to open ${m.path}: only reports under .sockshop/reports open from the panel.`, 'Refused');
        await openReport(m.path);
        return;
      }
      default: {
        const never: never = m;
        throw new Error(`unhandled message ${(never as { type: string }).type}`);
      }
    }
  }
}

/** The window's Load panel. */
export function loadPanel(reg: Registry): LoadPanel {
  return reg.service('load.panel', () => new LoadPanel(reg));
}

/** A saved report, as a Markdown preview (its source when no preview is available), from every button alike. */
export async function openReport(file: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.window.showTextDocument(uri));
}

/** The load run in progress (Run Load or Run Load in Cluster: one at a time), shared by their commands. */
export interface ActiveLoad {
  current?: { id: number; stop(): void };
  assertIdle(): void;
}

export function activeLoad(reg: Registry): ActiveLoad {
  return reg.service('load.active', () => {
    const a: ActiveLoad & { dispose(): void } = {
      assertIdle: () => {
        if (a.current) throw new UserError('A load run is already in progress. Stop it first ("Sock Shop: Stop Load").', 'Busy');
      },
      dispose: () => a.current?.stop(),
    };
    return a;
  });
}
