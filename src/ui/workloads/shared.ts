// What the Workloads commands share: the window's Workloads tree and the picker that finds the object a
// command works on (the item it was invoked on, or one picked from the tree's current model).
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import type { TreeNode } from '../../core/kube/model';
import { refOf, type ObjectRef, type RefKind } from '../../core/kube/refs';
import type { Registry } from '../registry';
import { WorkloadsTree } from './tree';

/** The window's Workloads tree (one per window). */
export function workloadsTree(reg: Registry): WorkloadsTree {
  return reg.service('workloads.tree', () => new WorkloadsTree(reg));
}

/** The ref a command was invoked on, or one the user picks from the tree's current model. */
export async function target(reg: Registry, arg: unknown, kind: RefKind, verb: string): Promise<ObjectRef> {
  const ref = refOf(arg);
  if (ref) {
    if (ref.kind !== kind) {
      throw new UserError(`${verb} works on a ${kind.toLowerCase()}, not a ${ref.kind.toLowerCase()}.`, 'WrongKind');
    }
    return ref;
  }
  const nodeKind = kind.toLowerCase() as TreeNode['kind'];
  const nodes = workloadsTree(reg).nodes(nodeKind).filter((n) => n.ref);
  if (!nodes.length) {
    throw new UserError(`No ${nodeKind}s to ${verb.toLowerCase()} yet: open the Workloads view and wait for it to list the cluster.`, 'Empty');
  }
  const pick = await vscode.window.showQuickPick(
    nodes.map((n) => ({ label: n.label, description: `${n.ref!.namespace ?? ''}  ${n.description ?? ''}`, node: n })),
    { title: `${verb}: pick a ${nodeKind}`, matchOnDescription: true },
  );
  if (!pick) throw new CancelledError();
  return pick.node.ref!;
}
