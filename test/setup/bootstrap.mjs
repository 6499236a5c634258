#!/usr/bin/env node
// Fresh-machine set-up for `npm test`, `npm run lab` and `npm run package`.
// Plain Node with no dependencies: it runs before node_modules exists.
//   --npm-only  npm packages only
//   --lab       npm packages, Debian packages the lab needs, the lab's Go builds
//   --all       everything `npm test` needs (adds the e2e browser and code-server)
// Every step is skipped when already done, so a warm run costs a few hundred milliseconds. The Go build, the
// longest step, runs side by side with apt-get and the code-server install (they mostly wait on downloads).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mode = process.argv.includes('--all') ? 'all' : process.argv.includes('--lab') ? 'lab' : 'npm';

/** Debian packages, with the command each one provides (checked before installing). */
const LAB_DEBS = [
  ['prometheus', '/usr/bin/prometheus'],
  ['prometheus-node-exporter', '/usr/bin/prometheus-node-exporter'],
  ['etcd-server', '/usr/bin/etcd'],
  // code-server's offline install (see test/lab/code-server.ts) and the lab's Python-side tools
  ['ripgrep', '/usr/bin/rg'],
  ['libkrb5-dev', '/usr/include/krb5.h'],
  ['python3', '/usr/bin/python3'],
];
const TEST_DEBS = [
  ['chromium', '/usr/bin/chromium'],
  ['python3-locust', '/usr/bin/locust'],
  ['apache2-utils', '/usr/bin/ab'],
  ['wrk', '/usr/bin/wrk'],
  ['nginx-light', '/usr/sbin/nginx'],
];

function log(msg) { process.stderr.write(`[setup] ${msg}\n`); }
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function npmPackages() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function debianPackages(list) {
  const missing = list.filter(([, file]) => !existsSync(file)).map(([pkg]) => pkg);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')}\n` +
        `Install them, then run again:\n  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}

/** Later steps are TypeScript modules run with tsx once npm packages are in place. */
function tsStep(file, args = []) {
  if (!existsSync(join(root, file))) return;
  run(process.execPath, ['--import', 'tsx', file, ...args]);
}

/** A TypeScript step started in the background: its child, and a promise that rejects when it fails. */
function tsStepAside(file, args = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit', cwd: root });
  const done = new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`${file} could not start: ${err.message}`)));
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code ?? signal}`))));
  });
  done.catch(() => undefined);
  return { child, done };
}

let build;
try {
  npmPackages();
  if (mode === 'lab' || mode === 'all') {
    // etcd comes from apt-get, side by side: the build skips its etcd check, and the lab checks it at start.
    build = tsStepAside('test/lab/build.ts', ['--no-etcd-check']);
    debianPackages(mode === 'all' ? [...LAB_DEBS, ...TEST_DEBS] : LAB_DEBS);
    tsStep('test/e2e/setup.ts', mode === 'all' ? [] : ['--no-browser']);
    await build.done;
  }
} catch (err) {
  if (build?.child.exitCode === null) build.child.kill('SIGTERM');
  log(`set-up failed: ${err.message}`);
  process.exit(1);
}
