// The lab's DigitalOcean as a process: `node --import tsx test/lab/digitalocean/daemon.ts <config.json>`.
import { readFileSync } from 'node:fs';
import { logLine as log, startFake, type FakeConfig } from './server';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8')) as FakeConfig;
startFake(cfg).then(
  (f) => log(`DigitalOcean fake on ${f.fakeUrl}${f.frontUrl ? `, front on ${f.frontUrl} -> ${cfg.prismUrl}` : ''}`),
  (err) => {
    log(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
