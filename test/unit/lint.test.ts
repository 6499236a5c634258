// The layering rules of eslint.config.mjs hold on the tree, and they do catch what they are for: each
// deliberate violation below is reported by the rule meant for it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../lab/paths.ts';

describe('lint: the layering is kept by ESLint', function () {
  this.timeout(120_000);
  const eslint = new ESLint({ cwd: REPO_ROOT });

  it('src/ has no lint problems', async () => {
    const results = await eslint.lintFiles(['src']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(REPO_ROOT.length + 1)}:${m.line} ${m.ruleId}: ${m.message}`));
    assert.ok(results.length > 50, `${results.length} files linted`);
    assert.deepEqual(problems, []);
  });

  const lint = async (file: string, code: string) =>
    (await eslint.lintText(code, { filePath: join(REPO_ROOT, file) })).flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`));

  it('refuses vscode in src/core, src/common and src/webview, not in src/ui', async () => {
    for (const file of ['src/core/x.ts', 'src/common/x.ts', 'src/webview/metrics/x.ts']) {
      const m = await lint(file, "import * as vscode from 'vscode';\nexport const w = vscode.window;\n");
      assert.equal(m.length, 1, `${file}: ${m}`);
      assert.match(m[0], /no-restricted-imports: .*keep `vscode` in src\/ui/);
    }
    assert.deepEqual(await lint('src/ui/x.ts', "import * as vscode from 'vscode';\nexport const w = vscode.window;\n"), []);
  });

  it('lets only types from src/core into webview code', async () => {
    const value = await lint('src/webview/metrics/x.ts', "import { buildPanel } from '../../core/observability/engine';\nexport const b = buildPanel;\n");
    assert.match(value.join('\n'), /Only types from src\/core cross into webview/);
    assert.deepEqual(await lint('src/webview/metrics/x.ts', "import type { PanelData } from '../../core/observability/engine';\nexport type P = PanelData;\n"), []);
  });

  it('keeps core off the UI and webview code, and other features out of Sock Shop\'s files', async () => {
    assert.match((await lint('src/core/load/x.ts', "import { setting } from '../../ui/settings';\nexport const s = setting;\n")).join('\n'), /src\/core does not depend on the UI/);
    assert.match((await lint('src/core/observability/x.ts', "import { webviewPage } from '../../webview/metrics/index';\nexport const p = webviewPage;\n")).join('\n'), /contracts are in src\/common\/contracts/);
    assert.match((await lint('src/core/chaos/x.ts', "import { deploySockShop } from '../sockshop/deploy';\nexport const d = deploySockShop;\n")).join('\n'), /shared Kubernetes plumbing lives in src\/core\/kube/);
    assert.match((await lint('src/ui/load/x.ts', "import { buildSockShop } from '../../core/sockshop/manifests';\nexport const b = buildSockShop;\n")).join('\n'), /shared Kubernetes plumbing lives in src\/core\/kube/);
    assert.deepEqual(await lint('src/core/sockshop/x.ts', "import { buildSockShop } from './manifests';\nexport const b = buildSockShop;\n"), []);
  });

  it('allows makeApiClient only inside src/core/kube', async () => {
    const code = "import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';\nexport const api = (kc: KubeConfig) => kc.makeApiClient(CoreV1Api);\n";
    assert.match((await lint('src/core/load/x.ts', code)).join('\n'), /no-restricted-syntax: Reach the cluster through src\/core\/kube/);
    assert.match((await lint('src/ui/metrics/x.ts', code)).join('\n'), /no-restricted-syntax/);
    assert.deepEqual(await lint('src/core/kube/x.ts', code), []);
  });

  // One command per file: each command's body is in its own file under src/ui/<feature>/, on the shared base
  // (src/ui/prompts.ts, src/ui/webview/host.ts); index.ts only lists the registrations.
  const commandBodies = (code: string) => (code.match(/\breg\.command\(/g) ?? []).length;

  it('registers at most one command body per file in src/ui', () => {
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    })(join(REPO_ROOT, 'src', 'ui'));
    const counts = files.map((f) => ({ file: f.slice(REPO_ROOT.length + 1), n: commandBodies(readFileSync(f, 'utf8')) }));
    assert.ok(counts.filter((c) => c.n === 1).length >= 40, `${counts.filter((c) => c.n === 1).length} command files`);
    assert.deepEqual(counts.filter((c) => c.n > 1), []);
    // The count sees a file that registers two.
    assert.equal(commandBodies("reg.command('sockShop.a', () => 1);\nreg.command('sockShop.b', () => 2);\n"), 2);
  });
});
