// The one way the extension hosts a webview panel: the strict page (page.ts: CSP with a nonce, the panel's
// bundle and stylesheet from dist/webview), messages from the webview checked against the panel's contract
// before anything acts on them, messages to it queued until the webview says it is ready, and
// request/reply: every request carries a requestId and gets exactly one { type: 'reply', requestId, ok,
// error? } once its handler has finished (or failed), so the webview can show what went wrong where the
// user clicked. A panel whose core controller answers its own requests (the metrics panel) says so with
// `replies: 'handler'`.
import * as vscode from 'vscode';
import type { Checked } from '../../common/validate';
import { makeNonce, webviewPage } from './page';

export interface WebviewHostOptions<W> {
  viewType: string;
  title: string;
  /** The bundle's name under dist/webview (load → load.js and load.css). */
  bundle: string;
  /** The panel's static markup (its script fills it). */
  body: string;
  column?: vscode.ViewColumn | { viewColumn: vscode.ViewColumn; preserveFocus?: boolean };
  retainContextWhenHidden?: boolean;
  /** The contract's check of a message from the webview. */
  check(raw: unknown): Checked<W>;
  /** Acts on a checked message; for requests, what it returns (or throws) becomes the reply. */
  onMessage(m: W): unknown;
  /** 'host' (default): this class replies to every message with a requestId; 'handler': onMessage replies itself. */
  replies?: 'host' | 'handler';
  /** The message type the webview sends once it listens (messages posted before it are queued); none: no queue. */
  readyType?: string;
  log: { warn(m: string): void };
}

type WithId = { type: string; requestId?: number };

export class WebviewHost<H, W extends WithId> implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private ready: boolean;
  private readonly pending: H[] = [];
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    extensionUri: vscode.Uri,
    private readonly o: WebviewHostOptions<W>,
  ) {
    this.ready = !o.readyType;
    this.panel = vscode.window.createWebviewPanel(o.viewType, o.title, o.column ?? vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: o.retainContextWhenHidden,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'sock.svg');
    const webview = this.panel.webview;
    const asset = (ext: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${o.bundle}.${ext}`)).toString();
    webview.html = webviewPage({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: asset('js'), styleUri: asset('css'), title: o.title, body: o.body });
    this.subs.push(webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    this.panel.onDidDispose(() => this.dispose());
  }

  /** Posts a message to the webview (queued until it is ready). */
  post(m: H): void {
    if (this.disposed) return;
    if (!this.ready) this.pending.push(m);
    else void this.panel.webview.postMessage(m);
  }

  reveal(column?: vscode.ViewColumn, preserveFocus?: boolean): void {
    this.panel.reveal(column, preserveFocus);
  }

  onDidDispose(f: () => void): void {
    this.panel.onDidDispose(f);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pending.length = 0;
    for (const s of this.subs.splice(0)) s.dispose();
    this.panel.dispose();
  }

  private async receive(raw: unknown): Promise<void> {
    const checked = this.o.check(raw);
    if (!checked.ok) {
      this.o.log.warn(`${this.o.title} panel: dropped a message: ${checked.error}`);
      return;
    }
    const m = checked.value;
    if (this.o.readyType && m.type === this.o.readyType && !this.ready) {
      this.ready = true;
      for (const q of this.pending.splice(0)) void this.panel.webview.postMessage(q);
    }
    let error: string | undefined;
    try {
      await this.o.onMessage(m);
    } catch (err) {
      error = (err as Error)?.message ?? String(err);
      this.o.log.warn(`${this.o.title} panel: ${m.type}: ${error}`);
    }
    if (this.o.replies !== 'handler' && typeof m.requestId === 'number' && !this.disposed) {
      void this.panel.webview.postMessage({ type: 'reply', requestId: m.requestId, ok: !error, ...(error ? { error } : {}) });
    }
  }
}
