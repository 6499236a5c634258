// code-server (the real VS Code 1.100 workbench served to a browser) for `npm run lab` and the e2e suite.
// Installed offline from the npm registry into a versioned cache dir; the packaged .vsix installed into a
// private extensions dir; settings point the extension at the lab.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpReady, startDaemon, waitFor, assertPortFree } from './proc';

export const CODE_SERVER_VERSION = '4.100.3';
/** @vscode/ripgrep's postinstall downloads this file unless it finds it in its cache. */
const RIPGREP_CACHE = join(tmpdir(), 'vscode-ripgrep-cache-1.15.11');
const RIPGREP_TARBALL = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

export function codeServerHome(): string {
  const base = process.env.SOCK_SHOP_LAB_CACHE ?? join(homedir(), '.cache', 'sock-shop-lab');
  return join(base, `code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerBin(): string {
  return join(codeServerHome(), 'node_modules', '.bin', 'code-server');
}

function installed(): boolean {
  const home = codeServerHome();
  return (
    existsSync(codeServerBin()) &&
    existsSync(join(home, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules', 'node-pty')) &&
    existsSync(join(home, '.complete'))
  );
}

/** Installs code-server into the cache dir unless it is there already. */
export function ensureCodeServer(log: (m: string) => void = console.error): string {
  if (installed()) return codeServerBin();
  for (const [file, pkg] of [
    ['/usr/bin/rg', 'ripgrep'],
    ['/usr/include/krb5.h', 'libkrb5-dev'],
  ]) {
    if (!existsSync(file)) throw new Error(`code-server needs Debian's ${pkg}: apt-get install -y ${pkg}`);
  }
  const home = codeServerHome();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${home} (about a minute)`);
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  // Offline ripgrep: a tarball holding Debian's rg, where @vscode/ripgrep looks before downloading.
  mkdirSync(RIPGREP_CACHE, { recursive: true });
  const tarball = join(RIPGREP_CACHE, RIPGREP_TARBALL);
  if (!existsSync(tarball)) {
    const stage = join(home, 'rg-stage');
    mkdirSync(stage, { recursive: true });
    cpSync('/usr/bin/rg', join(stage, 'rg'));
    execFileSync('tar', ['-czf', tarball, '-C', stage, 'rg']);
    rmSync(stage, { recursive: true, force: true });
  }
  writeFileSync(join(home, 'package.json'), JSON.stringify({ name: 'sock-shop-lab-code-server', private: true }));
  const r = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--foreground-scripts', `code-server@${CODE_SERVER_VERSION}`],
    {
      cwd: home,
      stdio: 'inherit',
      env: {
        ...process.env,
        // code-server's postinstall refuses to run as root without this, and runs `npx node-gyp`.
        npm_config_unsafe_perm: 'true',
        npm_config_yes: 'true',
        // Its postinstall installs VS Code's own dependencies, whose install scripts must run
        // (node-pty, ripgrep). This applies to this private install dir only.
        npm_config_dangerously_allow_all_scripts: 'true',
      },
    },
  );
  if (r.status !== 0) throw new Error(`installing code-server ${CODE_SERVER_VERSION} failed (npm exited ${r.status})`);
  writeFileSync(join(home, '.complete'), new Date().toISOString());
  return codeServerBin();
}

export interface CodeServerOptions {
  port: number;
  /** Directory for user data, extensions and logs of this instance. */
  dir: string;
  vsix: string;
  workspace: string;
  settings: Record<string, unknown>;
  /** Written to <workspace>/.vscode/settings.json: what a cloned repository could carry. */
  workspaceSettings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export interface CodeServerInstance {
  url: string;
  pid: number;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServerInstance> {
  const bin = ensureCodeServer();
  await assertPortFree(opts.port, 'code-server');
  const userDataDir = join(opts.dir, 'user-data');
  const extensionsDir = join(opts.dir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(opts.workspace, { recursive: true });
  if (opts.workspaceSettings) {
    mkdirSync(join(opts.workspace, '.vscode'), { recursive: true });
    writeFileSync(join(opts.workspace, '.vscode', 'settings.json'), JSON.stringify(opts.workspaceSettings, null, 2));
  }
  const settings = JSON.stringify(
    {
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'update.mode': 'none',
      'security.workspace.trust.enabled': false,
      'git.enabled': false,
      'git.openRepositoryInParentFolders': 'never',
      'workbench.colorTheme': 'Default Dark Modern',
      // The terminal's DOM renderer: its text is readable by the end-to-end tests (and by screen readers).
      'terminal.integrated.gpuAcceleration': 'off',
      ...opts.settings,
    },
    null,
    2,
  );
  // code-server's window is a remote one: machine-scoped settings (the extension's URLs, kubeconfig and
  // guards) count from the server's Machine settings, so the same settings go there as well.
  writeFileSync(join(userDataDir, 'User', 'settings.json'), settings);
  mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
  writeFileSync(join(userDataDir, 'Machine', 'settings.json'), settings);
  const dirs = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const install = spawnSync(bin, [...dirs, '--install-extension', opts.vsix, '--force'], { encoding: 'utf8' });
  if (install.status !== 0) {
    throw new Error(`code-server could not install ${opts.vsix}:\n${install.stdout}\n${install.stderr}`);
  }
  const logFile = join(opts.dir, 'code-server.log');
  const pid = startDaemon(
    bin,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${opts.port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ...dirs,
      opts.workspace,
    ],
    { logFile, env: { ...process.env, ...opts.env } },
  );
  const url = `http://127.0.0.1:${opts.port}/`;
  await waitFor('code-server', () => httpReady(`${url}healthz`), 60_000, logFile);
  return { url, pid, userDataDir, extensionsDir, logFile };
}
