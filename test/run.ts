// Runs the test suites in order and ends with one summary line: `N passed, N failed[, N skipped]`.
//   node --import tsx test/run.ts [unit|integration|e2e ...]
// Each suite is its own mocha process (the integration and e2e suites bring their world up in a
// root hook file), so a crash in one suite is counted as a failure and the others still run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Suite {
  name: string;
  spec: string;
  /** A file exporting mocha root hooks (`mochaHooks`) or global fixtures, loaded before the specs. */
  hooks?: string;
  /**
   * Spec files (relative to the repository) that run after all the others: tests that disturb the shared
   * world (lab-supervision stalls etcd and kills control-plane processes), so no later file depends on how
   * quickly everything recovers.
   */
  last?: string[];
  timeoutMs: number;
}

const root = join(import.meta.dirname, '..');
const SUITES: Suite[] = [
  { name: 'unit', spec: 'test/unit/**/*.test.ts', timeoutMs: 10_000 },
  // The project copied into an empty directory: unit suite and lab up/down there (nothing read from outside).
  { name: 'clone', spec: 'test/clone/**/*.test.ts', timeoutMs: 600_000 },
  { name: 'integration', spec: 'test/integration/**/*.test.ts', hooks: 'test/integration/hooks.ts', timeoutMs: 120_000, last: ['test/integration/lab-supervision.test.ts'] },
  { name: 'e2e', spec: 'test/e2e/**/*.test.ts', hooks: 'test/e2e/hooks.ts', timeoutMs: 300_000 },
];

const wanted = process.argv.slice(2);
const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES;
if (wanted.length && suites.length !== wanted.length) {
  console.error(`unknown suite in: ${wanted.join(' ')} (known: ${SUITES.map((s) => s.name).join(', ')})`);
  process.exit(2);
}

const total = { passed: 0, failed: 0, skipped: 0 };
const work = mkdtempSync(join(tmpdir(), 'sock-shop-tests-'));
for (const suite of suites) {
  if (!existsSync(join(root, 'test', suite.name))) {
    console.log(`\n=== ${suite.name} suite: no tests yet (test/${suite.name} does not exist) ===`);
    continue;
  }
  const counts = join(work, `${suite.name}.json`);
  const args = [
    '--import', 'tsx',
    join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'),
    '--reporter', join(root, 'test', 'support', 'count-reporter.cjs'),
    '--timeout', String(suite.timeoutMs),
    '--extension', 'ts',
    '--exit',
  ];
  if (suite.hooks && existsSync(join(root, suite.hooks))) args.push('--require', suite.hooks);
  if (suite.last?.length) {
    // Mocha runs files in the order given: every other spec (sorted, as its glob would), then the last ones.
    const dir = join(root, 'test', suite.name);
    const all = listSpecs(dir).map((f) => f.slice(root.length + 1)).sort();
    for (const l of suite.last) if (!all.includes(l)) throw new Error(`${l} (to run last) does not exist`);
    args.push(...all.filter((f) => !suite.last!.includes(f)), ...suite.last);
  } else {
    args.push(suite.spec);
  }
  console.log(`\n=== ${suite.name} suite ===`);
  const started = Date.now();
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SOCK_SHOP_TEST_COUNTS: counts },
  });
  let c = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(counts)) c = JSON.parse(readFileSync(counts, 'utf8'));
  // A suite that crashed (or whose hooks failed before any test ran) still counts as a failure.
  if (r.status !== 0 && c.failed === 0) c.failed = 1;
  console.log(`=== ${suite.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}
rmSync(work, { recursive: true, force: true });
console.log(`\n${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);

/** Every *.test.ts below dir (absolute paths). */
function listSpecs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listSpecs(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}
