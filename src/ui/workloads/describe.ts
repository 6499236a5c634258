// "Sock Shop: Describe": an object of the Workloads tree as a read-only YAML document (the content provider
// of the sockshop-k8s scheme, which fetches the live object each time the document is shown).
import * as vscode from 'vscode';
import { describeYaml } from '../../core/kube/actions';
import { describeRef, refOf, type ObjectRef, type RefKind } from '../../core/kube/refs';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { target } from './shared';

export const DESCRIBE_SCHEME = 'sockshop-k8s';

export function registerDescribe(reg: Registry): void {
  const session = kubeSession(reg);
  // ---- Describe (read-only YAML documents) ----
  const describeUri = (ref: ObjectRef, context: string) =>
    vscode.Uri.from({
      scheme: DESCRIBE_SCHEME,
      path: `/${ref.namespace ? `${ref.namespace}/` : ''}${ref.kind.toLowerCase()}-${ref.name}.yaml`,
      query: new URLSearchParams({ context, kind: ref.kind, name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) }).toString(),
    });
  const changed = new vscode.EventEmitter<vscode.Uri>();
  reg.context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(DESCRIBE_SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: async (uri) => {
        const q = new URLSearchParams(uri.query);
        const ref: ObjectRef = { kind: q.get('kind') as RefKind, name: q.get('name') ?? '', namespace: q.get('namespace') ?? undefined };
        const kc = await session.current();
        if (q.get('context') && kc.getCurrentContext() !== q.get('context')) {
          return `# ${describeRef(ref)} was opened in context ${q.get('context')}; the current context is ${kc.getCurrentContext()}.\n`;
        }
        try {
          return await describeYaml(kc, ref);
        } catch (err) {
          return `# ${err instanceof Error ? err.message : String(err)}\n`;
        }
      },
    }),
  );
  reg.command('sockShop.describe', async (arg?: unknown) => {
    let ref = refOf(arg);
    if (!ref) ref = await target(reg, undefined, 'Pod', 'Describe');
    const kc = await session.current();
    // Fetch first so failures surface as one specific error message.
    await describeYaml(kc, ref);
    const uri = describeUri(ref, kc.getCurrentContext());
    const doc = await vscode.workspace.openTextDocument(uri);
    changed.fire(uri); // a document opened before shows the live object again
    await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
    await vscode.window.showTextDocument(doc, { preview: true });
  });
}
