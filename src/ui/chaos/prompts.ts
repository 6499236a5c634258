// How kube-monkey kills (mode and kill-value), asked by Apply kube-monkey Labels. (Start Chaos Experiment asks
// the same in its multi-step input.)
import { isPercentMode, KILL_MODE_HELP, type KillMode } from '../../core/chaos/kubemonkey';
import { killModesDefaultFirst } from '../../core/chaos/confirm';
import type { KillSpec } from '../../core/chaos/experiment';
import { askNumber, pickOne } from '../prompts';

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
