// The chaos commands' shared questions: how kube-monkey kills (mode and kill-value, for its labels and for an
// experiment) and an experiment's load profile (none, an open arrival rate or Locust-style users).
import { isPercentMode, KILL_MODE_HELP, type KillMode } from '../../core/chaos/kubemonkey';
import { killModesDefaultFirst } from '../../core/chaos/confirm';
import type { KillSpec } from '../../core/chaos/experiment';
import { normalizeTarget } from '../../core/load/inputs';
import { DEFAULT_TARGET_SERVICE } from '../../core/load/target';
import type { LoadModel, LoadSpec } from '../../core/load/types';
import { serviceAddress } from '../../core/kube/services';
import { kubeSession } from '../kube/session';
import { confirmTargetAnswers } from '../preflight';
import { ask, askNumber, pickOne, validating } from '../prompts';
import type { Registry } from '../registry';
import { setting } from '../settings';

/** The kill mode (the default first) and, unless kill-all, its kill-value; titles start with title. */
export async function askKill(title: string, defaults: KillSpec): Promise<KillSpec> {
  // A single-choice quick pick selects its first item, so the default goes first.
  const mode = (
    await pickOne(
      killModesDefaultFirst(defaults.mode).map((m) => ({
        label: m,
        description: m === defaults.mode ? `${KILL_MODE_HELP[m]} (default${defaults.value !== undefined ? `, kill-value ${defaults.value}` : ''})` : KILL_MODE_HELP[m],
      })),
      `${title}: kill mode`,
    )
  ).label as KillMode;
  if (mode === 'kill-all') return { mode };
  const percent = isPercentMode(mode);
  const value = await askNumber(
    percent ? `${title}: kill-value (percent of the pods, 1–100)` : `${title}: kill-value (pods per kill)`,
    defaults.mode === mode && defaults.value !== undefined ? defaults.value : percent ? 50 : 1,
    { integer: true, min: 1, max: percent ? 100 : 1000 },
  );
  return { mode, value };
}

/** An experiment's load for duration seconds against the front-end (checked by one request), or none. */
export async function chooseLoad(reg: Registry, duration: number): Promise<LoadSpec | undefined> {
  const choice = await pickOne(
    [
      { label: 'Open model (constant arrival rate)', description: 'latency from the intended send time', id: 'open' },
      { label: 'Locust-style users (index flow)', description: "the workshop's locustfile: users × GET /", id: 'users' },
      { label: 'No load', description: 'only the recovery check applies', id: 'none' },
    ],
    'Chaos experiment: load profile',
  );
  if (choice.id === 'none') return undefined;
  let suggestion = '';
  let note = '';
  try {
    const addr = await serviceAddress(await kubeSession(reg).current(), setting('namespace'), DEFAULT_TARGET_SERVICE, 'deploy Sock Shop first');
    suggestion = addr.url ?? '';
    note = addr.note;
  } catch (err) {
    note = `Could not look up the front-end (${(err as Error)?.message ?? err}).`;
  }
  const url = normalizeTarget(await ask('Load target: confirm the front-end host', suggestion || 'http://', validating(normalizeTarget), note || undefined));
  await confirmTargetAnswers(reg, { url }, 'Start the Experiment');
  let model: LoadModel;
  if (choice.id === 'open') {
    model = { kind: 'open', rate: await askNumber('Arrival rate (requests per second)', 20, { min: 0.1, max: 100_000 }), maxConnections: 100 };
  } else {
    model = { kind: 'users', users: await askNumber('Users', 50, { integer: true, min: 1, max: 100_000 }), spawnRate: 10, waitSeconds: [1, 3], flow: 'index' };
  }
  return { target: { url, timeoutMs: 10_000, cookies: [] }, model, maxRequests: setting('load.maxRequests'), maxDurationSeconds: duration };
}
