// Where dashboards come from: kube-prometheus-stack's ConfigMaps labelled grafana_dashboard="1" (any
// namespace; each data key *.json is one dashboard), or Grafana's HTTP API (search + dashboard by uid)
// when the user has given Grafana credentials.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { describeError, UserError } from '../errors';
import { grafanaFetch, type GrafanaCredentials } from './prometheus';
import { apiClient } from '../kube/client';

export interface DashboardSourceEntry {
  uid: string;
  title: string;
  /** "ConfigMap kube-prometheus-stack/…" or "Grafana …". */
  source: string;
  /** The JSON text when already loaded (ConfigMaps carry it). */
  json?: string;
}

export interface DashboardSource {
  list(): Promise<DashboardSourceEntry[]>;
  load(uid: string): Promise<string>;
}

function peek(json: string): { uid?: string; title?: string } {
  try {
    const d = JSON.parse(json) as { uid?: unknown; title?: unknown };
    return { uid: typeof d.uid === 'string' ? d.uid : undefined, title: typeof d.title === 'string' ? d.title : undefined };
  } catch {
    return {};
  }
}

export function configMapSource(kc: KubeConfig, labelSelector = 'grafana_dashboard=1'): DashboardSource {
  let cache: DashboardSourceEntry[] | undefined;
  const list = async () => {
    const core = apiClient(kc, CoreV1Api);
    const cms = (await core.listConfigMapForAllNamespaces({ labelSelector })).items;
    const out: DashboardSourceEntry[] = [];
    for (const cm of cms) {
      for (const [key, text] of Object.entries(cm.data ?? {})) {
        if (!key.endsWith('.json')) continue;
        const { uid, title } = peek(text);
        out.push({
          uid: uid ?? `${cm.metadata?.namespace}/${cm.metadata?.name}/${key}`,
          title: title ?? key,
          source: `ConfigMap ${cm.metadata?.namespace}/${cm.metadata?.name} (${key})`,
          json: text,
        });
      }
    }
    out.sort((a, b) => a.title.localeCompare(b.title));
    cache = out;
    return out;
  };
  return {
    list,
    async load(uid) {
      const entries = cache ?? (await list());
      const e = entries.find((x) => x.uid === uid || x.title === uid);
      if (!e?.json) throw new UserError(`No dashboard ConfigMap holds dashboard ${uid}.`, 'NoDashboard');
      return e.json;
    },
  };
}

export function grafanaSource(g: GrafanaCredentials): DashboardSource {
  const get = async (path: string) => {
    const res = await grafanaFetch(g, path);
    if (res.status === 401) throw new UserError('Grafana rejected the login (HTTP 401). Set the password with "Sock Shop: Change Grafana Password" or check it.', 'GrafanaUnauthorized');
    if (!res.ok) throw new UserError(`Grafana answered HTTP ${res.status} to ${path}.`, 'GrafanaError');
    return res.text();
  };
  return {
    async list() {
      const items = JSON.parse(await get('api/search?type=dash-db&limit=5000')) as { uid: string; title: string; folderTitle?: string }[];
      return items.map((i) => ({ uid: i.uid, title: i.title, source: `Grafana ${g.url}${i.folderTitle ? ` (${i.folderTitle})` : ''}` }));
    },
    async load(uid) {
      return get(`api/dashboards/uid/${encodeURIComponent(uid)}`);
    },
  };
}

/** Tries each source in order; the first that lists any dashboard wins. */
export async function firstSource(sources: { name: string; source: DashboardSource }[], log?: (m: string) => void): Promise<{ source: DashboardSource; entries: DashboardSourceEntry[] } | undefined> {
  for (const s of sources) {
    try {
      const entries = await s.source.list();
      if (entries.length) return { source: s.source, entries };
      log?.(`dashboards: ${s.name} has none`);
    } catch (err) {
      log?.(`dashboards: ${s.name} failed: ${describeError(err)}`);
    }
  }
  return undefined;
}
