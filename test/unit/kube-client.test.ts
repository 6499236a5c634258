// The one client's retry of a request whose kept-alive connection the server had closed: a server that
// drops the connection of the first request it gets (no response) stands for the stale pooled socket.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, HttpMethod, KubeConfig, PatchStrategy, RequestContext, setHeaderOptions } from '@kubernetes/client-node';
import { apiClient, isStaleConnection, retryingHttpLibrary } from '../../src/core/kube/client';

describe('kube client: a request on a connection the server closed', () => {
  let server: Server;
  let kc: KubeConfig;
  /** Requests seen, as "METHOD path". */
  const seen: string[] = [];
  /** How many of the next requests to answer by dropping the connection. */
  let drop = 0;
  /** Answer nothing (the request hangs until the client gives up). */
  let hold = false;

  before(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      if (hold) return;
      if (drop > 0) {
        drop--;
        req.socket.destroy(); // no response at all: the client sees "socket hang up"
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'lab', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'lab', cluster: 'lab', user: 'u' }],
      currentContext: 'lab',
    });
  });
  after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  beforeEach(() => {
    seen.length = 0;
    drop = 0;
    hold = false;
  });

  it('sends an idempotent request (GET, DELETE, merge PATCH) once more and returns its answer', async () => {
    const core = apiClient(kc, CoreV1Api);
    drop = 1;
    assert.equal((await core.readNamespace({ name: 'shop' })).metadata?.name, 'shop');
    assert.deepEqual(seen, ['GET /api/v1/namespaces/shop', 'GET /api/v1/namespaces/shop']);

    seen.length = 0;
    drop = 1;
    await core.deleteNamespacedPod({ name: 'front-end-1', namespace: 'shop' });
    assert.deepEqual(seen, ['DELETE /api/v1/namespaces/shop/pods/front-end-1', 'DELETE /api/v1/namespaces/shop/pods/front-end-1']);

    seen.length = 0;
    drop = 1;
    await core.patchNode({ name: 'n1', body: { spec: { unschedulable: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    assert.equal(seen.length, 2);
  });

  it('does not send a POST again (it may have been done), and retries only once', async () => {
    const core = apiClient(kc, CoreV1Api);
    drop = 1;
    await assert.rejects(core.createNamespace({ body: { metadata: { name: 'shop' } } }), (err: unknown) => isStaleConnection(err));
    assert.deepEqual(seen, ['POST /api/v1/namespaces']);

    seen.length = 0;
    drop = 2;
    await assert.rejects(core.readNamespace({ name: 'shop' }), (err: unknown) => isStaleConnection(err));
    assert.equal(seen.length, 2, 'one retry, then the failure is the caller’s');
  });

  it('a request cancelled while it is in flight is not sent again', async () => {
    const ac = new AbortController();
    hold = true;
    const request = new RequestContext(`${kc.getCurrentCluster()!.server}/api/v1/namespaces/shop`, HttpMethod.GET);
    request.setSignal(ac.signal);
    const pending = retryingHttpLibrary().send(request).toPromise();
    await waitFor(() => seen.length === 1);
    ac.abort(); // the connection closes without a response, as a stale one does: still not sent again
    await assert.rejects(pending);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, ['GET /api/v1/namespaces/shop']);
  });
});

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ok());
}
