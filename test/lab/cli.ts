// `npm run lab`: the lab plus the extension in a real VS Code (code-server) configured for it; prints
// the URL to open and stays in the foreground (with or without a terminal, stdin closed or not) until
// SIGINT (Ctrl-C) or SIGTERM, or until code-server ends, and then takes everything down.
// `npm run lab -- up|down|status|apiserver-stop|apiserver-start|apiserver-restart|do-*`: the lab alone;
// `down` also stops the code-server that `npm run lab` started (recorded in <home>/playground.json).
import { join } from 'node:path';
import { labDown, labMain, labStatus, labUp } from './lab.ts';
import { labHome } from './paths.ts';
import { forgetPlayground, packageExtension, readPlaygroundRecord, recordPlayground, startPlayground, stopRecordedPlayground } from './playground.ts';
import { isAlive, stopPid } from './proc.ts';

async function playground(): Promise<number> {
  const t0 = Date.now();
  const state = await labUp();
  const vsix = packageExtension((m) => process.stderr.write(`[lab] ${m}\n`));
  const port = Number(process.env.SOCK_SHOP_LAB_PORT ?? 8080);
  const pg = await startPlayground(state, { port, dir: join(labHome(), 'playground'), vsix });
  recordPlayground(labHome(), { pid: pg.pid, url: pg.url, owner: process.pid });
  console.log(labStatus());
  console.log(`
Sock Shop Lab is running (${((Date.now() - t0) / 1000).toFixed(0)} s). Open VS Code in your browser:

    ${pg.url}

The extension is installed and set up for the lab: the Workloads view shows the lab's cluster; for the
DigitalOcean view, "Sock Shop: Sign in to DigitalOcean" with the lab's token:

    ${pg.doToken ?? '(the lab runs without its DigitalOcean API)'}

Then follow the walkthrough (Help > Welcome > "Microservices, Observability and Chaos").
Stop code-server and the lab with Ctrl-C, \`kill ${process.pid}\` (SIGTERM) or \`npm run lab -- down\`.`);
  // Signal handlers alone do not keep Node's event loop alive: without a terminal on stdin the process
  // would end here and leave code-server running. A timer holds it until one of the stop conditions.
  const why = await new Promise<string>((done) => {
    const parent = process.ppid;
    const resolve = (reason: string) => {
      clearInterval(keepAlive);
      done(reason);
    };
    const keepAlive = setInterval(() => {
      if (!isAlive(pg.pid)) resolve('code-server has exited');
      // npm's shell died (e.g. SIGTERM to npm alone): this process was re-parented; do not outlive it.
      else if (process.ppid !== parent) resolve('the process that started the lab has exited');
    }, 1_000);
    const stop = (sig: string) => () => resolve(`${sig} received`);
    process.once('SIGINT', stop('SIGINT'));
    process.once('SIGTERM', stop('SIGTERM'));
    process.once('SIGHUP', stop('SIGHUP'));
  });
  console.log(`\n${why}: stopping code-server and the lab`);
  await stopPid(pg.pid);
  forgetPlayground(labHome(), pg.pid);
  await labDown();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) return playground();
  if (argv[0] === 'down') {
    const stopped = await stopRecordedPlayground(labHome());
    if (stopped) console.log(`code-server (pid ${stopped}) stopped`);
  }
  const code = await labMain(argv);
  if (argv[0] === 'status') {
    const pg = readPlaygroundRecord(labHome());
    if (pg && isAlive(pg.pid)) console.log(`code-server:      ${pg.url} (pid ${pg.pid}, started by pid ${pg.owner})`);
  }
  return code;
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`[lab] ${err.message}\n`);
    process.exit(1);
  },
);
