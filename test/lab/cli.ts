// `npm run lab -- up|down|status|apiserver-stop|apiserver-start|apiserver-restart` (no argument = up).
import { labMain } from './lab.ts';

labMain(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`[lab] ${err.message}\n`);
    process.exit(1);
  },
);
