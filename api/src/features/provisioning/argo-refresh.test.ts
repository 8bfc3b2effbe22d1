import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshError, requestRefresh } from './argo-refresh.ts';

// A stand-in for the API server's custom-object PATCH endpoint (no cluster here; the sim covers the rest).
const seen: { method?: string; url?: string; headers?: IncomingHttpHeaders; body?: unknown }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: body ? JSON.parse(body) : undefined });
    if (req.url?.endsWith('/store-missing')) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
    if (req.url?.endsWith('/store-forbidden')) return void res.writeHead(403, { 'content-type': 'application/json' }).end('{"kind":"Status","code":403}');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'x' } }));
  });
});
let kc: KubeConfig;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'tok' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe(requestRefresh.name, () => {
  it('merge-patches the refresh annotation onto the Application in the Argo CD namespace', async () => {
    expect(await requestRefresh(kc, { name: 'store-abc' })).toBe(true);
    const req = seen.at(-1)!;
    expect(req.method).toBe('PATCH');
    expect(req.url).toBe('/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/store-abc');
    expect(req.headers?.['content-type']).toContain('application/merge-patch+json');
    expect(req.headers?.authorization).toBe('Bearer tok');
    expect(req.body).toEqual({ metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } });
  });

  it('asks for a hard refresh in another namespace when told', async () => {
    await requestRefresh(kc, { name: 'store-abc', namespace: 'gitops', hard: true });
    expect(seen.at(-1)!.url).toBe('/apis/argoproj.io/v1alpha1/namespaces/gitops/applications/store-abc');
    expect(seen.at(-1)!.body).toEqual({ metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } });
  });

  it('answers false for an Application that does not exist yet, and throws a RefreshError otherwise', async () => {
    expect(await requestRefresh(kc, { name: 'store-missing' })).toBe(false);
    await expect(requestRefresh(kc, { name: 'store-forbidden' })).rejects.toThrow(RefreshError);
  });
});
