// References to Kubernetes objects, as tree nodes and commands pass them around.

export type RefKind = 'Namespace' | 'Deployment' | 'Pod' | 'Service' | 'Node';

export interface ObjectRef {
  kind: RefKind;
  name: string;
  /** Absent for cluster-scoped kinds (Namespace, Node). */
  namespace?: string;
  /** The kubeconfig context the object was seen in. */
  context?: string;
}

/** Anything a tree hands to a command: a tree node carrying `ref`, or a bare ref. */
export type RefArg = { ref?: ObjectRef } | ObjectRef | undefined;

export function refOf(arg: unknown): ObjectRef | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as { ref?: ObjectRef; kind?: unknown; name?: unknown };
  if (a.ref && typeof a.ref.name === 'string') return a.ref;
  if (typeof a.kind === 'string' && typeof a.name === 'string') return a as ObjectRef;
  return undefined;
}

export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind.toLowerCase()} ${ref.namespace}/${ref.name}` : `${ref.kind.toLowerCase()} ${ref.name}`;
}
