// The front-end's port-forwards (one per namespace, shared by Deploy, Verify, Remove and Open Front-End and
// closed with the extension) and opening a forwarded front-end in the browser after checking it answers.
import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import { portForwardFrontEnd, type PortForwardHandle } from '../../core/sockshop/deploy';
import { preflight } from '../../core/load/preflight';
import type { Registry } from '../registry';

/** The window's front-end port-forwards. */
export function frontEndForwards(reg: Registry): PortForwards {
  return reg.service('sockShop.portForwards', () => new PortForwards());
}

/**
 * Opens a port-forwarded front-end, after one request through the forward (at most 5 s) so the user hears
 * whether it answers; says where it forwards and offers the URL, instead of a browser tab that hangs.
 */
export async function openForwarded(reg: Registry, f: PortForwardHandle, namespace: string): Promise<void> {
  const where = `${f.url} → pod ${namespace}/${f.pod}:8079`;
  const check = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking the front-end through ${f.url}…` },
    () => preflight({ url: f.url }, 5_000),
  );
  reg.log.info(`Forwarding ${where}; the front-end ${check.summary}.`);
  if (!check.ok) {
    const pick = await vscode.window.showWarningMessage(
      `Forwarding ${where}, but the front-end ${check.summary}. Its pod may not serve yet; the forward stays open.`,
      'Open Anyway',
      'Copy URL',
      'Show Log',
    );
    if (pick === 'Open Anyway') await openOrSay(f.url);
    else if (pick === 'Copy URL') await vscode.env.clipboard.writeText(f.url);
    else if (pick === 'Show Log') reg.log.show(true);
    return;
  }
  const opened = await openOrSay(f.url);
  if (opened) void vscode.window.showInformationMessage(`Front-end opened in the browser: ${where} (the front-end ${check.summary}).`);
}

/** openExternal, and a message with the URL when the browser did not take it (e.g. a blocked pop-up). */
async function openOrSay(url: string): Promise<boolean> {
  const opened = await vscode.env.openExternal(vscode.Uri.parse(url));
  if (!opened) {
    const pick = await vscode.window.showWarningMessage(`The browser did not open ${url}. Open it yourself:`, 'Copy URL');
    if (pick) await vscode.env.clipboard.writeText(url);
  }
  return opened;
}

/** Port-forwards to the front-end, one per namespace, closed with the extension. */
export class PortForwards implements vscode.Disposable {
  private readonly open = new Map<string, PortForwardHandle>();

  async start(kc: KubeConfig, namespace: string): Promise<PortForwardHandle> {
    const existing = this.open.get(namespace);
    if (existing) return existing;
    const handle = await portForwardFrontEnd(kc, namespace);
    this.open.set(namespace, handle);
    return handle;
  }

  async stop(namespace: string): Promise<void> {
    const h = this.open.get(namespace);
    this.open.delete(namespace);
    await h?.close();
  }

  dispose(): void {
    for (const h of this.open.values()) void h.close();
    this.open.clear();
  }
}
