// `npm run test:vscode`: the extension-host suite in desktop VS Code through @vscode/test-electron,
// for contributors whose machine can download VS Code. Where it cannot be downloaded (no network to
// update.code.visualstudio.com, as on CI here) it says so and skips; `npm test` runs the code-server
// e2e suite instead, which covers the same ground in the same VS Code version.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const root = join(import.meta.dirname, '..', '..');
const VSCODE_VERSION = process.env.SOCK_SHOP_VSCODE_VERSION ?? '1.100.3';

async function main(): Promise<number> {
  let executable: string;
  try {
    executable = await downloadAndUnzipVSCode({ version: VSCODE_VERSION, timeout: 30_000 });
  } catch (err) {
    console.log(
      `VS Code ${VSCODE_VERSION} could not be downloaded (${(err as Error).message.split('\n')[0]}); ` +
        'skipping the @vscode/test-electron suite. `npm test` runs the same checks in code-server.',
    );
    return 0;
  }
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) return build.status ?? 1;
  const suiteOut = join(root, 'out', 'vscode-suite');
  await esbuild.build({
    entryPoints: [join(root, 'test', 'vscode', 'suite', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: join(suiteOut, 'index.js'),
    external: ['vscode', 'mocha'],
  });
  return runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(suiteOut, 'index.js'),
    launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
