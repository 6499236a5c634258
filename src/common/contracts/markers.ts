// A fault on a timeline (a chaos experiment's kill or drain, a Kill pod from the tree, a steady-state
// breach), shared by the Load panel's and the metrics panel's contracts.

export interface FaultMarker {
  /** Epoch ms. */
  time: number;
  kind: 'kill' | 'breach';
  /** e.g. "kill front-end −1" */
  label: string;
  /** What it hit, e.g. the pod names. */
  detail: string;
}
