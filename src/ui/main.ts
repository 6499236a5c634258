// The features bundle (dist/main.js), loaded on first use by src/ui/lazy.ts.
// Each feature registers its commands, trees and services here; the order is the order of set-up.
import type { FeatureEnv, Features } from './registry';
import { Registry } from './registry';
import { setSettingsLog } from './settings';
import { register as registerKube } from './kube';
import { register as registerWorkloads } from './workloads';
import { register as registerDigitalOcean } from './digitalocean';
import { register as registerMetrics } from './metrics';
import { register as registerLoad } from './load';
import { register as registerSockShop } from './sockshop';
import { register as registerChaos } from './chaos';
import { register as registerEvents } from './events';
import { register as registerPortForward } from './portforward';
import { register as registerLogs } from './logs';
import { register as registerExec } from './exec';

type Register = (reg: Registry) => void;

const FEATURES: Register[] = [
  // Each feature module adds itself here: import { register as registerX } from './x'; then registerX.
  registerKube,
  registerWorkloads,
  registerDigitalOcean,
  registerMetrics,
  registerLoad,
  registerSockShop,
  registerChaos,
  registerEvents,
  registerPortForward,
  registerLogs,
  registerExec,
];

export function createFeatures(env: FeatureEnv): Features {
  setSettingsLog(env.log);
  const reg = new Registry(env);
  for (const register of FEATURES) register(reg);
  return { commands: reg.commands, trees: reg.trees };
}
