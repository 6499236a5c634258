// Open Shell: a pod's container in the integrated terminal, through the API server's exec (src/core/kube/exec.ts).
// bash when the image has it, else sh; a clear message when it has neither.
import { PassThrough, Writable } from 'node:stream';
import * as vscode from 'vscode';
import { CancelledError, describeError, UserError } from '../../core/errors';
import { execInPod, type ExecSession } from '../../core/kube/exec';
import { refOf } from '../../core/kube/refs';
import { assertCurrentContext, assertNamespaceAllowed } from '../../core/kube/guard';
import { podContainers } from '../../core/kube/actions';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { setting } from '../settings';

const SHELL = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

export function register(reg: Registry): void {
  reg.command('sockShop.openShell', async (arg?: unknown) => {
    const ref = refOf(arg);
    if (ref?.kind !== 'Pod' || !ref.namespace) throw new UserError('Open Shell works on a pod: right-click one in the Workloads view.', 'WrongKind');
    assertNamespaceAllowed(ref.namespace, 'Open Shell', { allowKubeSystem: setting('allowKubeSystem') });
    const kc = await kubeSession(reg).current();
    const context = kc.getCurrentContext();
    assertCurrentContext(ref, context);
    const containers = await podContainers(kc, ref.namespace, ref.name);
    let container = containers[0];
    if (containers.length > 1) {
      const pick = await vscode.window.showQuickPick(containers, { title: `Open Shell in ${ref.name}: which container?` });
      if (!pick) throw new CancelledError();
      container = pick;
    }
    if (!container) throw new UserError(`Pod ${ref.namespace}/${ref.name} has no container.`, 'NotFound');
    const write = new vscode.EventEmitter<string>();
    const closed = new vscode.EventEmitter<number | void>();
    const stdin = new PassThrough();
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        write.fire(chunk.toString('utf8'));
        cb();
      },
    });
    let session: ExecSession | undefined;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: write.event,
      onDidClose: closed.event,
      open: () => {
        write.fire(`\x1b[2m${context} · ${ref.namespace}/${ref.name} · ${container}\x1b[0m\r\n`);
        void execInPod(kc, { namespace: ref.namespace!, pod: ref.name, container, command: SHELL, stdin, stdout, tty: true }).then(
          (s) => {
            session = s;
            s.exit.then(
              (code) => {
                write.fire(`\r\n\x1b[2m[shell exited${code ? ` with code ${code}` : ''}]\x1b[0m\r\n`);
                closed.fire(code);
              },
              (err) => {
                write.fire(`\r\n${describeError(err)}\r\n`);
                void vscode.window.showErrorMessage(describeError(err));
              },
            );
          },
          (err) => {
            const msg = describeError(err);
            write.fire(`${msg}\r\n`);
            reg.log.error(`open shell: ${msg}`);
          },
        );
      },
      close: () => session?.close(),
      handleInput: (data) => stdin.write(data),
    };
    vscode.window.createTerminal({ name: `shell: ${ref.name}`, pty, iconPath: new vscode.ThemeIcon('terminal') }).show();
  });
}
