// Worker-thread entry of the load engine (bundled to dist/load-worker.js). Runs one share of a load and
// reports interval stats through messages; a 'stop' message ends it at once.
import { parentPort, workerData } from 'node:worker_threads';
import { serveShare } from './protocol';

if (parentPort) serveShare(parentPort, workerData);
