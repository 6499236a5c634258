// In a real VS Code (code-server) with the packaged extension: the Sock Shop Lab view shows the lab's
// cluster, and the palette offers the workshop's commands in the "Sock Shop" category.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { playground } from './hooks.ts';
import { Workbench } from './workbench.ts';

describe('e2e: the extension in VS Code', function () {
  let wb: Workbench;

  before(async function () {
    wb = await Workbench.open(playground().url);
  });

  after(async function () {
    await wb?.screenshot('workloads-final').catch(() => undefined);
    await wb?.close();
  });

  it('shows the Sock Shop Lab view with the lab context in the Workloads tree', async function () {
    await wb.openSockShopView();
    await wb.treeRow('sock-shop-lab').waitFor({ timeout: 60_000 });
    await wb.screenshot('01-workloads-tree');
  });

  it('lists the workshop commands in the palette under "Sock Shop"', async function () {
    // The palette renders only the rows that fit: filter for each command, as a person types it.
    for (const title of ['Sock Shop: Deploy', 'Sock Shop: Open Metrics', 'Sock Shop: Start Chaos Experiment']) {
      await wb.page.keyboard.press('F1');
      const input = wb.page.locator('.quick-input-widget input');
      await input.fill(`>${title}`);
      const rows = wb.page.locator('.quick-input-widget .monaco-list-row');
      await rows.first().waitFor();
      const text = (await rows.allInnerTexts()).join('\n');
      await wb.page.keyboard.press('Escape');
      assert.ok(text.includes(title), `palette lacks ${title}:\n${text}`);
    }
  });

  it('a sockShop.kubeconfigPath naming a missing file is said as such, with a row that opens the setting', async function () {
    this.timeout(120_000);
    // code-server counts machine-scoped settings from its Machine settings; both files get the same value.
    const files = ['User', 'Machine'].map((d) => join(playground().userDataDir, d, 'settings.json'));
    const saved = files.map((f) => readFileSync(f, 'utf8'));
    const missing = join(playground().userDataDir, 'no-such-kubeconfig');
    try {
      for (const [i, f] of files.entries()) writeFileSync(f, JSON.stringify({ ...JSON.parse(saved[i]), 'sockShop.kubeconfigPath': missing }, null, 2));
      const row = wb.treeRow(/Kubeconfig file not found/);
      await row.waitFor({ timeout: 60_000 });
      const text = (await row.innerText()).replace(/\s+/g, ' ');
      assert.ok(text.includes(missing), `the row names the file: ${text}`);
      assert.doesNotMatch(await wb.pane('Workloads').innerText(), /No Kubernetes cluster is connected yet/);
      await wb.screenshot('02-missing-kubeconfig');
      await wb.treeRow(/Fix the setting/).click();
      // The Settings editor opens, searching for the setting (the query names it; its row shows in the tab it applies to).
      const settings = wb.page.locator('.settings-editor').first();
      await settings.waitFor({ timeout: 30_000 });
      // code-server is a remote window: the machine-scoped setting is in the Remote tab, shown with its row.
      const deadline = Date.now() + 30_000;
      while (!/Kubeconfig Path/.test(await settings.innerText())) {
        assert.ok(Date.now() < deadline, `the Settings editor does not show the setting:\n${(await settings.innerText()).slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await wb.screenshot('03-fix-kubeconfig-setting');
      await wb.runCommand('View: Close All Editors');
    } finally {
      files.forEach((f, i) => writeFileSync(f, saved[i]));
    }
    await wb.treeRow('sock-shop-lab').waitFor({ timeout: 60_000 });
  });
});
