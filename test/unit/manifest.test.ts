// The extension manifest follows the design card: name, category, lazy activation, VS Code 1.100.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_IDS } from '../../src/ui/command-ids';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('package.json', () => {
  it('is named sock-shop-lab with display name "Sock Shop Lab"', () => {
    assert.equal(pkg.name, 'sock-shop-lab');
    assert.equal(pkg.displayName, 'Sock Shop Lab');
  });

  it('puts every command in the "Sock Shop" category with a title', () => {
    const commands: { command: string; title: string; category: string }[] = pkg.contributes.commands;
    assert.ok(commands.length > 0);
    for (const c of commands) {
      assert.equal(c.category, 'Sock Shop', `${c.command} category`);
      assert.match(c.command, /^sockShop\.[a-zA-Z]+$/);
      assert.ok(c.title.length > 0, `${c.command} title`);
    }
  });

  it('names the commands users asked for in their own words', () => {
    const titles = new Set(pkg.contributes.commands.map((c: { title: string }) => c.title));
    for (const t of ['Deploy', 'Kill pod', 'Open Metrics', 'Apply kube-monkey Labels', 'Run Load']) {
      assert.ok(titles.has(t), `missing "${t}"`);
    }
  });

  it('activates lazily (no "*" activation) and installs in VS Code 1.100', () => {
    assert.ok(!(pkg.activationEvents ?? []).includes('*'));
    assert.ok(!(pkg.activationEvents ?? []).includes('onStartupFinished'));
    const m = /^\^(\d+)\.(\d+)\./.exec(pkg.engines.vscode);
    assert.ok(m, pkg.engines.vscode);
    assert.ok(Number(m[1]) === 1 && Number(m[2]) <= 100, `engines.vscode ${pkg.engines.vscode} must allow 1.100`);
  });

  it('uses @kubernetes/client-node 1.4.x (2.x crashes in a Node 20 extension host)', () => {
    assert.match(pkg.dependencies['@kubernetes/client-node'], /^\^?1\.4\./);
  });

  it('has its own icon (a 128×128 PNG, what the walkthrough and the extension list show), shipped in the .vsix', () => {
    assert.equal(pkg.icon, 'media/icon.png');
    const png = readFileSync(join(root, pkg.icon));
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG (vsce refuses SVG icons)');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    assert.match(readFileSync(join(root, '.vscodeignore'), 'utf8'), /^!media\/\*\*$/m);
  });

  it('only refers to contributed commands in menus', () => {
    const ids = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
    for (const [menu, items] of Object.entries(pkg.contributes.menus as Record<string, { command: string }[]>)) {
      for (const item of items) assert.ok(ids.has(item.command), `${menu} refers to unknown ${item.command}`);
    }
  });
});

describe('command registry', () => {
  // src/ui needs VS Code to run, so this reads the sources: every contributed command has exactly one
  // reg.command(...) implementation, and nothing is implemented that is not contributed.
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(dir, e.name), 'utf8')] : [],
    );
  const text = sources(join(root, 'src', 'ui')).join('\n');
  const implemented = [...text.matchAll(/\breg\.command\(\s*'([^']+)'/g)].map((m) => m[1]);
  const contributed: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);

  it('implements every contributed command exactly once', () => {
    for (const id of contributed) {
      assert.equal(implemented.filter((i) => i === id).length, 1, `${id} implemented ${implemented.filter((i) => i === id).length} times`);
    }
  });

  it('contributes every implemented command', () => {
    for (const id of implemented) assert.ok(contributed.includes(id), `${id} is implemented but not in package.json`);
  });

  it('types command ids with exactly the contributed list (src/ui/command-ids.ts)', () => {
    assert.deepEqual([...COMMAND_IDS], contributed);
  });
});
