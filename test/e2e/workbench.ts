// Drives the real VS Code workbench (code-server) in Debian's Chromium through playwright-core,
// the way a person uses it: the command palette, tree rows, context menus, notifications, webviews.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type FrameLocator, type Locator, type Page } from 'playwright-core';

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
      permissions: ['clipboard-read', 'clipboard-write'],
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
    // The row whose label is exactly the title (fuzzy matching also lists e.g. "File: Compare New
    // Untitled Text Files" for "File: New Untitled Text File", sometimes first).
    const row = this.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', {
        has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
      })
      .first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
  }

  /** Puts text on the clipboard and pastes it into the focused editor, as a person pastes a file. */
  async paste(text: string): Promise<void> {
    await this.page.evaluate((t) => navigator.clipboard.writeText(t), text);
    await this.page.keyboard.press('Control+V');
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
    const menu = this.page.locator('.monaco-menu-container .monaco-menu').first();
    const menuItem = menu.locator('.action-menu-item', { has: this.page.locator('.action-label', { hasText: item }) }).first();
    await menuItem.waitFor({ timeout: 10_000 });
    // The menu ignores a click that lands while it is still opening; hover (which focuses the
    // item) and press Enter if the click did not close it.
    await menuItem.hover();
    await menuItem.click();
    if (!(await menu.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => true, () => false))) {
      await menuItem.hover();
      await this.page.keyboard.press('Enter');
      await menu.waitFor({ state: 'hidden', timeout: 5_000 });
    }
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

  /** The content frame of the webview panel whose page has `selector` (several panels may be open). */
  async webviewWith(selector: string, timeout = 30_000): Promise<Frame> {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (const f of this.page.frames()) {
        if (await f.locator(selector).count().catch(() => 0)) return f;
      }
      if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The content frame of the active webview panel. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  /** Waits for the quick input (QuickPick / InputBox) whose title matches, e.g. "Deploy Sock Shop: namespace". */
  async waitQuickInput(title: string | RegExp, timeout = 60_000): Promise<Locator> {
    const widget = this.page.locator('.quick-input-widget', { has: this.page.locator('.quick-input-title', { hasText: title }) });
    await widget.waitFor({ state: 'visible', timeout });
    return widget;
  }

  /** Answers the quick input titled `title`: accepts what is offered (Enter), or types `text` first. */
  async answer(title: string | RegExp, text?: string, timeout = 60_000): Promise<void> {
    const widget = await this.waitQuickInput(title, timeout);
    const input = widget.locator('.quick-input-box input');
    if (text !== undefined) await input.fill(text);
    // A QuickPick accepts its active row: wait until there is one (items can arrive a moment later).
    if (await widget.locator('.quick-input-list').isVisible()) {
      await widget.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout });
    }
    await input.press('Enter');
  }

  /** Picks the row whose label matches `item` in the quick input titled `title`. */
  async choose(title: string | RegExp, item: string | RegExp, timeout = 60_000): Promise<void> {
    const widget = await this.waitQuickInput(title, timeout);
    const row = widget
      .locator('.quick-input-list .monaco-list-row', { has: this.page.locator('.label-name', { hasText: item }) })
      .first();
    await row.waitFor({ timeout });
    await row.click();
  }

  /** A view pane of the side bar by its title, e.g. "Workloads". */
  pane(title: string): Locator {
    return this.page
      .locator('.split-view-view .pane', { has: this.page.locator('.pane-header h3.title', { hasText: new RegExp(`^${title}$`, 'i') }) })
      .first();
  }

  async setPaneExpanded(title: string, expanded: boolean): Promise<void> {
    const header = this.pane(title).locator('.pane-header').first();
    await header.waitFor({ timeout: 30_000 });
    if ((await header.getAttribute('aria-expanded')) !== String(expanded)) await header.click();
  }

  /** A row of a view's tree whose text (label and description) matches. */
  paneRow(pane: string, text: string | RegExp): Locator {
    return this.pane(pane).locator('.monaco-list-row', { hasText: text }).first();
  }

  /** Drags the side bar's edge to make it `width` pixels wide (tree descriptions then fit in screenshots). */
  async setSideBarWidth(width: number): Promise<void> {
    const bar = await this.page.locator('.part.sidebar').boundingBox();
    if (!bar) return;
    const edge = bar.x + bar.width;
    const y = bar.y + bar.height / 2;
    await this.page.mouse.move(edge - 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(edge + 40, y, { steps: 4 });
    await this.page.mouse.move(bar.x + width, y, { steps: 4 });
    await this.page.mouse.up();
  }

  /** A row of a view's tree whose label (not description) matches. */
  paneRowByLabel(pane: string, label: string | RegExp): Locator {
    return this.pane(pane)
      .locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: label }) })
      .first();
  }

  /** The labels of the rows a view's tree shows right now. */
  async paneLabels(pane: string): Promise<string[]> {
    return this.pane(pane).locator('.monaco-list-row .label-name').allInnerTexts();
  }

  /** Waits for a notification toast whose text matches and returns its text. */
  async waitNotification(text: string | RegExp, timeout = 60_000): Promise<string> {
    const toast = this.notification(text);
    await toast.waitFor({ state: 'visible', timeout });
    return (await toast.innerText()).replace(/\s+/g, ' ');
  }

  /**
   * Waits for a notification whose text matches, as a toast or in the notification centre (VS Code hides
   * toasts beyond the ones it shows at once, and hides a toast again after a while); returns its text. On a
   * timeout the error lists every notification the window holds.
   */
  async waitMessage(text: string | RegExp, timeout = 60_000): Promise<string> {
    const deadline = Date.now() + timeout;
    const matches = (t: string) => (typeof text === 'string' ? t.includes(text) : text.test(t));
    const texts = async (selector: string) => (await this.page.locator(selector).allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    let seen: string[] = [];
    for (let round = 0; Date.now() < deadline; round++) {
      const toasts = await texts('.notifications-toasts .notification-toast');
      const centre = await texts('.notifications-center .notification-list-item');
      seen = [...toasts.map((t) => `toast: ${t}`), ...centre.map((t) => `centre: ${t}`)];
      const hit = [...toasts, ...centre].find(matches);
      if (hit) return hit;
      // Every 5 s, open the centre (it stays open until Escape) to see the notifications that have no toast.
      if (round % 10 === 9 && !centre.length) await this.runCommand('Notifications: Show Notifications');
      await this.page.waitForTimeout(500);
    }
    throw new Error(`no notification matching ${String(text)} within ${timeout} ms; the window holds:\n${seen.join('\n') || '(none)'}`);
  }

  /** The text of the active editor, as the editor shows it. */
  async editorText(): Promise<string> {
    const text = await this.page.locator('.editor-instance .monaco-editor .view-lines').first().innerText();
    return text.replace(/\u00a0/g, ' ');
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}

/** The tail of the extension host's log and the extension's own log, for failure reports. */
export function extensionLogs(userDataDir: string, maxChars = 6000): string {
  const logs = join(userDataDir, 'logs');
  if (!existsSync(logs)) return '(no logs directory)';
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/remoteexthost\.log$|Sock Shop Lab\.log$/.test(name)) files.push(p);
    }
  };
  walk(logs);
  return files
    .map((f) => {
      const text = readFileSync(f, 'utf8');
      return `--- ${f}\n${text.slice(-maxChars)}`;
    })
    .join('\n');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
