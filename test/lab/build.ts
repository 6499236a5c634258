// Builds the lab's Go binaries once per version set and caches them under
// ~/.cache/sock-shop-lab/<key>/bin (see paths.ts). Each binary is stamped with its real version
// through -ldflags on its version package, so `--version` (which kwokctl reads) tells the truth.
//
//   node --import tsx test/lab/build.ts          build what is missing, print the bin dir
//   node --import tsx test/lab/build.ts --force  rebuild everything
//   ... --no-etcd-check                          do not insist that etcd is installed yet
//
// Run by test/setup/bootstrap.mjs (`npm test`, `npm run lab`); a warm run only checks files.
import { spawn, execFileSync } from 'node:child_process';
import {
  chmodSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ETCD_BINARY, REPO_ROOT, VERSIONS, binDir, cacheKey, goRelease } from './paths.ts';
import { withFileLock } from './proc.ts';

export interface BinaryGroup {
  name: string;
  binaries: string[];
  /** Text a binary's version output (see versionArgs) must contain. */
  expectVersion(binary: string): string;
  command(outDir: string): { args: string[]; cwd: string; env: NodeJS.ProcessEnv };
}

const K8S_LDFLAGS = [
  '-s', '-w',
  `-X k8s.io/component-base/version.gitVersion=v${VERSIONS.kubernetes}`,
  `-X k8s.io/component-base/version.gitMajor=${VERSIONS.kubernetes.split('.')[0]}`,
  `-X k8s.io/component-base/version.gitMinor=${VERSIONS.kubernetes.split('.')[1]}`,
  `-X k8s.io/client-go/pkg/version.gitVersion=v${VERSIONS.kubernetes}`,
].join(' ');

const KWOK_LDFLAGS = [
  '-s', '-w',
  `-X sigs.k8s.io/kwok/pkg/consts.Version=v${VERSIONS.kwok}`,
  `-X sigs.k8s.io/kwok/pkg/consts.KubeVersion=v${VERSIONS.kubernetes}`,
].join(' ');

// metrics-server's Makefile stamps client-go's version package; component-base is stamped too so
// both version paths agree.
const MS_LDFLAGS = [
  '-s', '-w',
  `-X k8s.io/client-go/pkg/version.gitVersion=v${VERSIONS.metricsServer}`,
  `-X k8s.io/component-base/version.gitVersion=v${VERSIONS.metricsServer}`,
].join(' ');

// kube-state-metrics' Makefile stamps prometheus/common's version package.
const KSM_LDFLAGS = ['-s', '-w', `-X github.com/prometheus/common/version.Version=v${VERSIONS.kubeStateMetrics}`].join(' ');

function goEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOFLAGS: '-buildvcs=false', ...extra };
}

/** The commands the lab builds, by binary: its Go package, its -ldflags and the version it must report. */
const COMMANDS: { binary: string; pkg: string; ldflags: string; version: string }[] = [
  ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'].map((b) => ({ binary: b, pkg: `k8s.io/kubernetes/cmd/${b}`, ldflags: K8S_LDFLAGS, version: `v${VERSIONS.kubernetes}` })),
  ...['kwok', 'kwokctl'].map((b) => ({ binary: b, pkg: `sigs.k8s.io/kwok/cmd/${b}`, ldflags: KWOK_LDFLAGS, version: `v${VERSIONS.kwok}` })),
  { binary: 'metrics-server', pkg: 'sigs.k8s.io/metrics-server/cmd/metrics-server', ldflags: MS_LDFLAGS, version: `v${VERSIONS.metricsServer}` },
  // The module's root package is its command; go build names it kube-state-metrics (the /v2 is dropped).
  { binary: 'kube-state-metrics', pkg: 'k8s.io/kube-state-metrics/v2', ldflags: KSM_LDFLAGS, version: `v${VERSIONS.kubeStateMetrics}` },
];

export const GROUPS: BinaryGroup[] = [
  {
    // One `go build` of every command in one module (test/lab/go/k8s, which requires k8s.io/kubernetes,
    // kwok, metrics-server and kube-state-metrics and replaces the Kubernetes staging modules with the
    // release's own): all four link the same Kubernetes libraries, so each package compiles once. Each
    // binary gets its own -ldflags through go build's package pattern (the last matching -ldflags wins).
    name: 'lab',
    binaries: COMMANDS.map((c) => c.binary),
    expectVersion: (b) => COMMANDS.find((c) => c.binary === b)!.version,
    command: (out) => ({
      cwd: join(REPO_ROOT, 'test', 'lab', 'go', 'k8s'),
      env: goEnv(),
      args: ['build', '-trimpath', ...COMMANDS.map((c) => `-ldflags=${c.pkg}=${c.ldflags}`), '-o', out + '/', ...COMMANDS.map((c) => c.pkg)],
    }),
  },
];

/** The arguments that make a lab binary print its version. */
export function versionArgs(binary: string): string[] {
  if (binary === 'kubectl') return ['version', '--client'];
  if (binary === 'kube-state-metrics') return ['version'];
  return ['--version'];
}

export interface BuildOptions {
  force?: boolean;
  /** Skip the check that etcd is installed (the set-up installs it while the build runs). */
  noEtcdCheck?: boolean;
  log?: (msg: string) => void;
}

export interface BuildResult {
  bin: string;
  /** Seconds each group took to build (absent when it was cached). */
  built: Record<string, number>;
}

function defaultLog(msg: string): void {
  process.stderr.write(`[lab build] ${msg}\n`);
}

/** Every binary the lab runs, by name → absolute path. */
export function binaryPaths(bin = binDir()): Record<string, string> {
  const paths: Record<string, string> = { etcd: ETCD_BINARY };
  for (const g of GROUPS) for (const b of g.binaries) paths[b] = join(bin, b);
  return paths;
}

/** Names of binaries that are missing from the cache. */
export function missingBinaries(bin = binDir()): string[] {
  return Object.entries(binaryPaths(bin))
    .filter(([, p]) => !isExecutable(p))
    .map(([name]) => name);
}

function isExecutable(p: string): boolean {
  try {
    return statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function checkGo(): void {
  let version = '';
  try {
    version = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'Go is not installed or not on PATH. The lab builds kube-apiserver, kwok and metrics-server from source: ' +
        'install Go 1.24 or newer (and put `go` on PATH), then run `npm run lab` again.',
    );
  }
  const m = /^go(\d+)\.(\d+)/.exec(version);
  if (!m || Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 24)) {
    throw new Error(`${version} is too old: Kubernetes ${VERSIONS.kubernetes} needs Go 1.24 or newer. Install a newer Go and try again.`);
  }
}

function checkEtcd(): void {
  if (isExecutable(ETCD_BINARY)) return;
  throw new Error(
    `etcd is missing (${ETCD_BINARY}). Install Debian's etcd-server: ` +
      '`apt-get install -y etcd-server` (or run `node test/setup/bootstrap.mjs --lab`, which does it), ' +
      'or point SOCK_SHOP_LAB_ETCD at an etcd 3.4+ binary.',
  );
}

function runLogged(args: string[], cwd: string, env: NodeJS.ProcessEnv, logFile: string, heartbeat: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = openSync(logFile, 'a');
    const child = spawn('go', args, { cwd, env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const timer = setInterval(heartbeat, 30_000);
    child.once('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearInterval(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

async function buildGroup(g: BinaryGroup, bin: string, log: (m: string) => void): Promise<number> {
  const keyDir = dirname(bin);
  const staging = join(keyDir, `staging-${g.name}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const logFile = join(keyDir, `build-${g.name}.log`);
  writeFileSync(logFile, '');
  const { args, cwd, env } = g.command(staging);
  const started = Date.now();
  log(`building ${g.name} (${g.binaries.join(', ')}) with ${goRelease()} — log: ${logFile}`);
  const code = await runLogged(args, cwd, env, logFile, () =>
    log(`  ... still building ${g.name} (${Math.round((Date.now() - started) / 1000)} s)`),
  );
  if (code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `building ${g.name} failed (go ${args[0]} exited with ${code}).\n--- last lines of ${logFile} ---\n${tail(logFile)}\n---\n` +
        'Fix: make sure the Go module proxy is reachable (`go env GOPROXY`) and there is disk space ' +
        `(\`df -h ${keyDir}\`), then run \`node --import tsx test/lab/build.ts\` again.`,
    );
  }
  for (const b of g.binaries) {
    const built = join(staging, b);
    if (!existsSync(built)) throw new Error(`building ${g.name} produced no ${b} in ${staging}; see ${logFile}`);
    const out = execFileSync(built, versionArgs(b), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (!out.includes(g.expectVersion(b))) {
      throw new Error(`${b} reports "${out.trim()}", expected ${g.expectVersion(b)}: the -ldflags version stamp did not take`);
    }
    chmodSync(built, 0o755);
    renameSync(built, join(bin, b));
  }
  rmSync(staging, { recursive: true, force: true });
  const seconds = (Date.now() - started) / 1000;
  log(`built ${g.name} in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** Builds every missing binary; returns the bin dir. Throws a message naming the fix on failure. */
export async function ensureBinaries(opts: BuildOptions = {}): Promise<BuildResult> {
  const log = opts.log ?? defaultLog;
  if (!opts.noEtcdCheck) checkEtcd();
  const bin = binDir();
  const todo = GROUPS.filter((g) => opts.force || g.binaries.some((b) => !isExecutable(join(bin, b))));
  const result: BuildResult = { bin, built: {} };
  if (todo.length === 0) return result;
  checkGo();
  mkdirSync(bin, { recursive: true });
  // One build at a time into a cache dir (two `npm test` / `npm run lab` runs may start together).
  await withFileLock(join(dirname(bin), 'build.lock'), 'build', log, async () => {
    for (const g of todo) {
      // Another process may have finished this group while we waited for the lock.
      if (!opts.force && g.binaries.every((b) => isExecutable(join(bin, b)))) continue;
      result.built[g.name] = await buildGroup(g, bin, log);
    }
  });
  const timesFile = join(dirname(bin), 'build-times.json');
  const previous = existsSync(timesFile) ? JSON.parse(readFileSync(timesFile, 'utf8')) : {};
  writeFileSync(timesFile, JSON.stringify({ ...previous, ...result.built }, null, 2) + '\n');
  return result;
}

if (import.meta.filename === process.argv[1]) {
  const started = Date.now();
  ensureBinaries({ force: process.argv.includes('--force'), noEtcdCheck: process.argv.includes('--no-etcd-check') })
    .then((r) => {
      const built = Object.keys(r.built);
      defaultLog(
        built.length
          ? `done in ${((Date.now() - started) / 1000).toFixed(1)} s; binaries in ${r.bin} (key ${cacheKey()})`
          : `all binaries present in ${r.bin}`,
      );
    })
    .catch((err: Error) => {
      defaultLog(`FAILED: ${err.message}`);
      process.exit(1);
    });
}
