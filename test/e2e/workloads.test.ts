// In a real VS Code (code-server) with the packaged extension: the Sock Shop Lab view shows the lab's
// cluster, and the palette offers the workshop's commands in the "Sock Shop" category.
import { strict as assert } from 'node:assert';
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
});
