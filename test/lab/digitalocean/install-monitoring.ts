// Runs the `monitoring` 1-click against the lab cluster in its own short-lived process, so the
// fake does not keep the installer's memory: `node --import tsx install-monitoring.ts <kubeconfig>`.
import { installMonitoringStack } from '../monitoring.ts';

installMonitoringStack(process.argv[2]).then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
