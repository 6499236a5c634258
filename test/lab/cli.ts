// `npm run lab`: the lab plus the extension in a real VS Code (code-server) configured for it; prints
// the URL to open and keeps running until Ctrl-C, which takes everything down.
// `npm run lab -- up|down|status|apiserver-stop|apiserver-start|apiserver-restart|do-*`: the lab alone.
import { join } from 'node:path';
import { labDown, labMain, labStatus, labUp } from './lab.ts';
import { labHome } from './paths.ts';
import { packageExtension, startPlayground } from './playground.ts';
import { stopPid } from './proc.ts';

async function playground(): Promise<number> {
  const t0 = Date.now();
  const state = await labUp();
  const vsix = packageExtension((m) => process.stderr.write(`[lab] ${m}\n`));
  const port = Number(process.env.SOCK_SHOP_LAB_PORT ?? 8080);
  const pg = await startPlayground(state, { port, dir: join(labHome(), 'playground'), vsix });
  console.log(labStatus());
  console.log(`
Sock Shop Lab is running (${((Date.now() - t0) / 1000).toFixed(0)} s). Open VS Code in your browser:

    ${pg.url}

The extension is installed and set up for the lab: the Workloads view shows the lab's cluster; for the
DigitalOcean view, "Sock Shop: Sign in to DigitalOcean" with the lab's token:

    ${pg.doToken ?? '(the lab runs without its DigitalOcean API)'}

Then follow the walkthrough (Help > Welcome > "Microservices, Observability and Chaos").
Press Ctrl-C to stop code-server and the lab.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('\nstopping code-server and the lab');
  await stopPid(pg.pid);
  await labDown();
  return 0;
}

const argv = process.argv.slice(2);
(argv.length === 0 ? playground() : labMain(argv)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`[lab] ${err.message}\n`);
    process.exit(1);
  },
);
