// The DigitalOcean session: the token (SecretStorage only), a client built from it and the
// sockShop.digitalocean.apiUrl setting, the tracker of created clusters, and the "401 → sign in
// again → retry once" wrapper every command goes through.
import * as vscode from 'vscode';
import { DoClient } from '../../core/digitalocean/client';
import { isUnauthorized } from '../../core/digitalocean/http';
import { ClusterTracker } from '../../core/digitalocean/tracker';
import { CancelledError, UserError } from '../../core/errors';
import type { Registry } from '../registry';
import { markStepDone } from '../walkthrough-steps';
import { setting } from '../settings';
import { checkCredentialEndpoint } from '../../core/settings';

const SECRET_KEY = 'sockShop.digitalocean.token';
const KEY = 'digitalocean.session';

export function doSession(reg: Registry): DoSession {
  return reg.service(KEY, () => new DoSession(reg));
}

export class DoSession implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires on sign-in / sign-out / endpoint change, and when a flow changed clusters. */
  readonly onDidChange = this.changed.event;
  readonly tracker: ClusterTracker;
  private cached: { token: string; endpoint: string; client: DoClient } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly reg: Registry) {
    this.tracker = new ClusterTracker(reg.context.globalState);
    this.disposables.push(
      this.changed,
      reg.context.secrets.onDidChange((e) => {
        if (e.key === SECRET_KEY) {
          this.cached = undefined;
          void this.updateSignedInKey();
          this.changed.fire();
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('sockShop.digitalocean.apiUrl')) {
          this.cached = undefined;
          this.changed.fire();
        }
      }),
    );
    void this.updateSignedInKey();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  fireChanged(): void {
    this.changed.fire();
  }

  /**
   * The API endpoint the token is sent to: sockShop.digitalocean.apiUrl from user settings, https anywhere,
   * http only to this machine (the lab). Anything else is refused before a request is made.
   */
  endpoint(): string {
    const raw = setting('digitalocean.apiUrl');
    const check = checkCredentialEndpoint(raw, 'sockShop.digitalocean.apiUrl');
    if (!check.ok) throw new UserError(`${check.message} The DigitalOcean token was not sent.`, 'UnsafeEndpoint');
    return raw.trim();
  }

  async signedIn(): Promise<boolean> {
    return Boolean(await this.reg.context.secrets.get(SECRET_KEY));
  }

  private async updateSignedInKey(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'sockShop.signedIn', await this.signedIn());
  }

  private makeClient(token: string): DoClient {
    const log = this.reg.log;
    return new DoClient({ token, endpoint: this.endpoint(), log: { info: (m) => log.info(m), warn: (m) => log.warn(m) } });
  }

  /** The client for the stored token; undefined when signed out. */
  async client(): Promise<DoClient | undefined> {
    const token = await this.reg.context.secrets.get(SECRET_KEY);
    if (!token) return undefined;
    const endpoint = this.endpoint();
    if (this.cached?.token !== token || this.cached.endpoint !== endpoint) this.cached = { token, endpoint, client: this.makeClient(token) };
    return this.cached.client;
  }

  /** Asks for a token, checks it with GET /v2/account, stores it. Returns false if the user gave up. */
  async signIn(message?: string): Promise<boolean> {
    let problem: string | undefined;
    for (;;) {
      const token = await vscode.window.showInputBox({
        title: 'Sign in to DigitalOcean',
        prompt: problem ?? message ?? 'A DigitalOcean personal access token (read and write). It is kept in VS Code\'s secret storage only.',
        password: true,
        ignoreFocusOut: true,
        placeHolder: 'dop_v1_…',
        validateInput: (v) => (v.trim() ? (/\s/.test(v.trim()) ? 'A token has no spaces.' : undefined) : 'Paste a token.'),
      });
      if (token === undefined) return false;
      const client = this.makeClient(token.trim());
      try {
        const account = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Checking the DigitalOcean token…' },
          () => client.account(),
        );
        await this.reg.context.secrets.store(SECRET_KEY, token.trim());
        this.cached = undefined;
        await this.updateSignedInKey();
        this.reg.log.info(`DigitalOcean: signed in as ${account.email ?? 'unknown account'} (${client.endpoint})`);
        void vscode.window.showInformationMessage(`Signed in to DigitalOcean as ${account.email ?? 'your account'}.`);
        markStepDone(this.reg.context, 'signedIn');
        this.changed.fire();
        return true;
      } catch (err) {
        // Never echo the token: the client's errors are already redacted.
        problem = isUnauthorized(err)
          ? 'DigitalOcean rejected this token (401). Check it is current and has read and write scope, then paste it again.'
          : `${(err as Error).message} Paste the token again to retry.`;
      }
    }
  }

  async signOut(): Promise<void> {
    await this.reg.context.secrets.delete(SECRET_KEY);
    this.cached = undefined;
    await this.updateSignedInKey();
    this.reg.log.info('DigitalOcean: signed out');
    this.changed.fire();
  }

  /** The client, asking to sign in first when there is no token. Throws CancelledError if declined. */
  async requireClient(): Promise<DoClient> {
    const existing = await this.client();
    if (existing) return existing;
    if (!(await this.signIn('Sign in to DigitalOcean to continue: paste a personal access token.'))) throw new CancelledError();
    const client = await this.client();
    if (!client) throw new UserError('Not signed in to DigitalOcean.', 'NotSignedIn');
    return client;
  }

  /**
   * Runs op with a client; if DigitalOcean rejects the token (401) anywhere in it, asks to sign in again
   * and retries the operation once, so it is not silently lost.
   */
  async withClient<T>(op: (client: DoClient) => Promise<T>): Promise<T> {
    const client = await this.requireClient();
    try {
      return await op(client);
    } catch (err) {
      if (!isUnauthorized(err)) throw err;
      this.reg.log.warn(`DigitalOcean: ${(err as Error).message}`);
      const choice = await vscode.window.showWarningMessage(
        'DigitalOcean rejected the stored token (it may have been revoked or expired). Sign in again to retry the operation?',
        { modal: true },
        'Sign In Again',
      );
      if (choice !== 'Sign In Again' || !(await this.signIn())) throw err;
      const fresh = await this.client();
      if (!fresh) throw err;
      return op(fresh);
    }
  }
}
