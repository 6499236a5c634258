// Entry of the headless chaos runner: `npm run chaos -- run file.chaos.yaml …` in the project, or
// `node dist/chaos.js …` from the packaged extension. The logic is src/core/chaos/cli.ts; this only wires
// the process: argv, stdout/stderr, a yes/no prompt when there is a terminal, Ctrl-C to abort, the exit code.
import { createInterface } from 'node:readline/promises';
import { EXIT, parseCliArgs, runCli } from '../core/chaos/cli';
import { UserError } from '../core/errors';

async function main(): Promise<number> {
  let args;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof UserError ? err.message : String(err)}\n`);
    return EXIT.error;
  }
  const ac = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    // The first Ctrl-C aborts the run (load and kills stop, the report is still written); a second one exits.
    if (++interrupts > 1) process.exit(EXIT.error);
    process.stderr.write('\naborting: stopping load and kills (Ctrl-C again to quit at once)\n');
    ac.abort();
  });
  process.on('SIGTERM', () => ac.abort());
  const ask = process.stdin.isTTY
    ? async (q: string) => {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return /^y(es)?$/i.test((await rl.question(q)).trim());
        } finally {
          rl.close();
        }
      }
    : undefined;
  return runCli(args, {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    ask,
    signal: ac.signal,
  });
}

main().then(
  (code) => {
    process.exitCode = code;
    // Watches and keep-alive sockets may hold the loop open after the run: exit once output is flushed.
    process.stdout.write('', () => process.exit(code));
  },
  (err) => {
    process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT.error);
  },
);
