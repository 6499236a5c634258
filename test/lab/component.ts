// The lab is a few components (the Kubernetes cluster, the monitoring stack, the DigitalOcean API),
// each started and stopped by test/lab/lab.ts. State lives in one directory (labHome()); every
// process a component starts is recorded by pid so `lab down` ends exactly those.

export interface LabContext {
  /** The lab's state directory (SOCK_SHOP_LAB_HOME, default <repo>/.lab). */
  home: string;
  /** Directory holding the built binaries (kube-apiserver, kwokctl, ...). */
  bin: string;
  /** Admin kubeconfig of the lab cluster (written by the cluster component). */
  kubeconfig: string;
  log(message: string): void;
}

/** What a component reports about itself; saved in <home>/state.json under the component's name. */
export interface ComponentState {
  /** Processes this component started, by role (e.g. { prometheus: 1234 }). */
  pids: Record<string, number>;
  /** URLs users and tests reach it by (always loopback). */
  urls: Record<string, string>;
  [extra: string]: unknown;
}

export interface LabComponent {
  name: string;
  start(ctx: LabContext): Promise<ComponentState>;
  stop(ctx: LabContext, state: ComponentState | undefined): Promise<void>;
}
