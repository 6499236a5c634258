// `npm run lab -- do-...`: the DigitalOcean fault knobs from the command line. lab.ts hands every
// command starting with `do-` to digitaloceanCommand() with the component's saved state.
import type { DigitalOceanState } from './index';

export const DIGITALOCEAN_USAGE = `DigitalOcean API (the lab's fake behind Prism):
  do-fault KIND [options]  add a fault rule; KIND: rate-limit | error | delay | drop | invalid
      --path P             only paths containing P (a regular expression when P starts with ^)
      --method M           only this HTTP method
      --count N            for N requests (default: until do-clear)
      --status S           error: 500..599 (default 500)
      --delay-ms MS        delay: milliseconds (required)
      --retry-after S      rate-limit: Retry-After seconds (default 2)
      --when request|response   drop: before the answer (default) or halfway through it
      --layer front|upstream    drop: in front of Prism (default) or behind it (Prism answers 500)
  do-faults                list the active fault rules
  do-clear                 remove every fault rule
  do-reset                 forget every cluster and load balancer, clear faults, restore settings
  do-config [--provision-ms N] [--delete-ms N]   change how long clusters provision / delete
  do-state                 clusters, load balancers, 1-click jobs and faults as JSON
  do-help                  this text`;

const FLAGS: Record<string, string> = {
  '--path': 'path',
  '--method': 'method',
  '--count': 'count',
  '--status': 'status',
  '--delay-ms': 'delayMs',
  '--retry-after': 'retryAfterS',
  '--when': 'when',
  '--layer': 'layer',
  '--provision-ms': 'provisionMs',
  '--delete-ms': 'deleteMs',
};

function parseFlags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const key = FLAGS[args[i]];
    if (!key) throw new Error(`unknown option ${args[i]}\n${DIGITALOCEAN_USAGE}`);
    const v = args[++i];
    if (v === undefined) throw new Error(`${args[i - 1]} needs a value`);
    out[key] = v;
  }
  return out;
}

async function control(state: DigitalOceanState, path: string, method = 'GET', body?: unknown): Promise<unknown> {
  const res = await fetch(`${state.urls.control}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { error?: string };
  if (!res.ok) throw new Error(json.error ?? `${method} ${path}: HTTP ${res.status}`);
  return json;
}

/** Runs one `do-*` command; returns the process exit code. */
export async function digitaloceanCommand(argv: string[], state: DigitalOceanState | undefined): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'do-help') {
    console.log(DIGITALOCEAN_USAGE);
    return 0;
  }
  if (!state) {
    console.error('the lab has no DigitalOcean API running; start the lab with `npm run lab -- up`');
    return 3;
  }
  const print = (v: unknown) => console.log(JSON.stringify(v, null, 2));
  switch (cmd) {
    case 'do-fault': {
      const [kind, ...opts] = rest;
      if (!kind) throw new Error(`do-fault needs a KIND\n${DIGITALOCEAN_USAGE}`);
      const rule: Record<string, unknown> = { kind, ...parseFlags(opts) };
      print(await control(state, '/faults', 'POST', rule));
      return 0;
    }
    case 'do-faults':
      print(await control(state, '/faults'));
      return 0;
    case 'do-clear':
      print(await control(state, '/faults', 'DELETE'));
      return 0;
    case 'do-reset':
      print(await control(state, '/reset', 'POST', {}));
      return 0;
    case 'do-config':
      print(await control(state, '/config', 'POST', parseFlags(rest)));
      return 0;
    case 'do-state':
      print(await control(state, '/state'));
      return 0;
    default:
      console.error(`unknown command ${cmd}\n${DIGITALOCEAN_USAGE}`);
      return 2;
  }
}
