import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSealingKey } from '../../../../sim/src/sealed-secrets-controller.ts';
import { SealingError } from '../../../../renderer/src/seal.ts';
import { fetchSealingCert, loadSealingCert, readSealingCertFile } from './sealing-cert.ts';

// A real self-signed RSA certificate, as the sim's controller makes its own.
const CERT = generateSealingKey(2048, Date.now()).certPem;
const dir = mkdtempSync(join(tmpdir(), 'sealing-cert-'));
writeFileSync(join(dir, 'cert.pem'), CERT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(fetchSealingCert.name, () => {
  it('GETs the cert through the API server service proxy like kubeseal --fetch-cert, with the kubeconfig credentials', async () => {
    const seen: { url?: string; headers?: IncomingHttpHeaders } = {};
    const server = createServer((req, res) => {
      seen.url = req.url;
      seen.headers = req.headers;
      if (req.url === '/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:/proxy/v1/cert.pem') {
        res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(CERT);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const kc = kubeConfigFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(await fetchSealingCert(kc)).toBe(CERT);
      expect(seen.headers?.authorization).toBe('Bearer test-token');
      expect(seen.headers?.accept).toContain('application/x-pem-file');
      // Configurable controller name and namespace.
      await expect(fetchSealingCert(kc, { controllerName: 'ss', controllerNamespace: 'sealed' })).rejects.toThrow(/HTTP 404/);
      expect(seen.url).toBe('/api/v1/namespaces/sealed/services/http:ss:/proxy/v1/cert.pem');
    } finally {
      server.close();
    }
  });

  it('rejects a response that is not an RSA certificate', async () => {
    const server = createServer((_req, res) => res.writeHead(200).end('<html>login</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await expect(fetchSealingCert(kubeConfigFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))).rejects.toThrow(SealingError);
    } finally {
      server.close();
    }
  });
});

describe(loadSealingCert.name, () => {
  it('reads a configured certificate file and fails clearly on a missing one', async () => {
    expect(await loadSealingCert({ certFile: join(dir, 'cert.pem') })).toBe(CERT);
    await expect(readSealingCertFile(join(dir, 'missing.pem'))).rejects.toThrow(/ENOENT/);
    writeFileSync(join(dir, 'bad.pem'), 'nope');
    await expect(readSealingCertFile(join(dir, 'bad.pem'))).rejects.toThrow(SealingError);
    await expect(loadSealingCert({})).rejects.toThrow(SealingError);
  });
});

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test-token' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}
