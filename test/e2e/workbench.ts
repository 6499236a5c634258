// Drives the real VS Code workbench (code-server) in Debian's Chromium through playwright-core,
// the way a person uses it: the command palette, tree rows, context menus, notifications, webviews.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';

export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-results', 'e2e');

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class Workbench {
  private constructor(
    readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async open(url: string, opts: { colorScheme?: 'dark' | 'light' } = {}): Promise<Workbench> {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
    });
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      colorScheme: opts.colorScheme ?? 'dark',
    });
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    return new Workbench(browser, page);
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  /** Runs a command from the palette by its full title, e.g. "Sock Shop: Deploy". */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 15_000 });
    await input.press('Enter');
  }

  /** The visible quick input (QuickPick / InputBox). */
  quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  async pickQuickItem(text: string | RegExp): Promise<void> {
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
  }

  async typeInQuickInput(text: string, submit = true): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(text);
    if (submit) await input.press('Enter');
  }

  /** Opens the Sock Shop Lab view container from the activity bar. */
  async openSockShopView(): Promise<void> {
    const tab = this.page.locator('.activitybar .action-item a[aria-label^="Sock Shop Lab"]');
    await tab.waitFor({ timeout: 30_000 });
    const expanded = await tab.getAttribute('aria-expanded');
    if (expanded !== 'true') await tab.click();
  }

  /** A tree row (in any view) whose text contains label. */
  treeRow(label: string | RegExp): Locator {
    return this.page.locator('.monaco-list-row', { hasText: label }).first();
  }

  async contextMenu(row: Locator, item: string): Promise<void> {
    await row.click({ button: 'right' });
    const menuItem = this.page.locator('.monaco-menu .action-label', { hasText: item }).first();
    await menuItem.waitFor({ timeout: 10_000 });
    await menuItem.click();
  }

  /** A notification toast whose text matches. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  }

  /** A modal dialog's button (VS Code's custom dialogs in the browser). */
  async clickDialogButton(label: string): Promise<void> {
    const button = this.page.locator('.monaco-dialog-box .monaco-button', { hasText: label }).first();
    await button.waitFor({ timeout: 15_000 });
    await button.click();
  }

  /** The content frame of the active webview panel. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
