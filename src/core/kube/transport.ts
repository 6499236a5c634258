// client-node's HTTP library over node:https, instead of the node-fetch 2 it ships with.
//
// node-fetch 2 checks each chunked response for a malformed ending by listening on the socket; on a kept-alive
// socket that already served a response, that check fails a complete response with "Invalid response body
// while trying to fetch …: Premature close" (node-fetch issue 1767). On the shared keep-alive pool
// (client.ts) it took one chaos kill in two in the lab: the pod LIST answered 200 and its body then failed.
// This library reads the body with Node's own HTTP client, which has no such check, and hands client-node
// the whole body. Same request: method, URL, headers, body, the agent client-node chose (TLS, client
// certificate) and the AbortSignal; gzip accepted, as node-fetch does.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createGunzip } from 'node:zlib';
import { ResponseContext, type PromiseHttpLibrary, type RequestContext } from '@kubernetes/client-node';

/** Set on an error that came after the response's status line: the server did get the request. */
export const AFTER_RESPONSE = Symbol('afterResponse');

export function cameAfterResponse(err: unknown): boolean {
  return !!(err as { [AFTER_RESPONSE]?: boolean } | undefined)?.[AFTER_RESPONSE];
}

export class NodeHttpLibrary implements PromiseHttpLibrary {
  send(req: RequestContext): Promise<ResponseContext> {
    return new Promise<ResponseContext>((resolve, reject) => {
      const body = req.getBody();
      if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
        reject(new Error(`request body of type ${Object.prototype.toString.call(body)} is not supported (only text and bytes)`));
        return;
      }
      const url = new URL(req.getUrl());
      const signal = req.getSignal();
      const options: RequestOptions = {
        method: String(req.getHttpMethod()),
        headers: { 'accept-encoding': 'gzip', ...req.getHeaders(), ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
        agent: req.getAgent(),
        signal,
      };
      const onResponse = (res: IncomingMessage) => {
        const fail = (cause: Error) => {
          const err = new Error(`the connection closed before the whole response to ${options.method} ${url.pathname} arrived (${cause.message})`, { cause });
          (err as { [AFTER_RESPONSE]?: boolean })[AFTER_RESPONSE] = true;
          reject(err);
        };
        const stream = /\bgzip\b/.test(String(res.headers['content-encoding'] ?? '')) ? res.pipe(createGunzip()) : res;
        if (stream !== res) res.once('error', fail);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.once('error', fail);
        stream.once('end', () => {
          const data = Buffer.concat(chunks);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve(new ResponseContext(res.statusCode ?? 0, headers, { text: async () => data.toString('utf8'), binary: async () => data }));
        });
        res.once('close', () => {
          if (!res.complete) fail(new Error('closed'));
        });
      };
      const r = url.protocol === 'https:' ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
      r.once('error', reject);
      r.end(body);
    });
  }
}
