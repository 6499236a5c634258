// Chaos feature: "Apply kube-monkey Labels", "Install kube-monkey", "Start Chaos Experiment", "Abort Chaos
// Experiment", and chaos diagnostics in YAML editors. The logic lives in src/core/chaos; this is the VS Code glue.
// One command per file; *.chaos.yaml editor support is experiment-files.ts, the Experiments view runs-view.ts.
import type { Registry } from '../registry';
import { registerAbortChaos } from './abort-chaos';
import { registerApplyKubeMonkeyLabels } from './apply-kube-monkey-labels';
import { registerCompareExperimentRuns } from './compare-experiment-runs';
import { registerCompareWithBaseline } from './compare-with-baseline';
import { registerChaosDiagnostics } from './diagnostics';
import { registerExperimentFiles } from './experiment-files';
import { registerInstallKubeMonkey } from './install-kube-monkey';
import { registerPinExperimentBaseline } from './pin-experiment-baseline';
import { registerRunExperimentFile } from './run-experiment-file';
import { registerRunsView } from './runs-view';
import { registerStartChaos } from './start-chaos';

export function register(reg: Registry): void {
  registerChaosDiagnostics(reg);
  registerExperimentFiles(reg);
  registerRunExperimentFile(reg);
  registerCompareExperimentRuns(reg);
  registerRunsView(reg);
  registerPinExperimentBaseline(reg);
  registerCompareWithBaseline(reg);
  registerApplyKubeMonkeyLabels(reg);
  registerInstallKubeMonkey(reg);
  registerStartChaos(reg);
  registerAbortChaos(reg);
}
