// Sock Shop commands: Deploy, Verify, Remove, Deploy Current Manifest, Open Front-End, one command per file.
// Thin glue: the work is in src/core/sockshop (deploy, verify, remove, manifests); what several commands
// share is in shared.ts (target, namespace, cancellation) and front-end.ts (port-forwards, opening it).
import type { Registry } from '../registry';
import { registerDeploy } from './deploy';
import { registerDeployManifest } from './deploy-manifest';
import { registerOpenFrontEnd } from './open-front-end';
import { registerRemove } from './remove';
import { registerVerify } from './verify';

export function register(reg: Registry): void {
  registerDeploy(reg);
  registerVerify(reg);
  registerRemove(reg);
  registerDeployManifest(reg);
  registerOpenFrontEnd(reg);
}
