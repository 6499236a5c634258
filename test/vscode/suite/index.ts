// Runs inside the VS Code extension host (loaded by @vscode/test-electron).
import Mocha from 'mocha';
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: true });
  mocha.suite.emit('pre-require', globalThis, 'extension-host', mocha);
  describe('extension host', () => {
    const ext = () => vscode.extensions.all.find((e) => e.packageJSON.name === 'sock-shop-lab');

    it('is installed and activates from its contributed commands', async () => {
      const e = ext();
      assert.ok(e, 'sock-shop-lab is not loaded');
      await vscode.commands.executeCommand('sockShop.showOutput');
      assert.ok(e.isActive);
    });

    it('registers every contributed command', async () => {
      const all = new Set(await vscode.commands.getCommands(true));
      for (const c of ext()!.packageJSON.contributes.commands as { command: string }[]) {
        assert.ok(all.has(c.command), `${c.command} is not registered`);
      }
    });
  });
  return new Promise((resolve, reject) =>
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host tests failed`)) : resolve())),
  );
}
