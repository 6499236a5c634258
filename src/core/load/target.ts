// Parses and checks load targets.
import { UserError } from '../errors';

/** The Service load runs and chaos experiments target by default: the Sock Shop front-end, as in the workshop. */
export const DEFAULT_TARGET_SERVICE = 'front-end';

export interface ParsedTarget {
  host: string;
  port: number;
  /** Host header value. */
  hostHeader: string;
  /** Path prefix from the URL ('' or '/base'). */
  basePath: string;
  /** Path and query of the URL itself (what the ab and open models request by default). */
  path: string;
}

export function parseTarget(url: string): ParsedTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`"${url}" is not a URL (expected http://host[:port]/path).`, 'BadTarget');
  }
  if (u.protocol !== 'http:') {
    throw new UserError(
      `The load engine speaks plain HTTP; ${u.protocol}// targets are not supported. Use the http:// address of the front-end.`,
      'BadTarget',
    );
  }
  const port = u.port ? Number(u.port) : 80;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const basePath = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return { host, port, hostHeader: u.host, basePath, path: `${u.pathname || '/'}${u.search}` };
}

/** Joins the target's base path with a request path. */
export function joinPath(t: ParsedTarget, path: string): string {
  if (!t.basePath) return path.startsWith('/') ? path : `/${path}`;
  return `${t.basePath}${path.startsWith('/') ? path : `/${path}`}`;
}
