import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealingError } from '../../../../renderer/src/seal.ts';
import { loadSealingCert } from './sealing-cert.ts';
import { GitConflictError, GitTransportError } from '../../../../gitops/src/git-writer.ts';
import { ClusterUnavailableError } from './cluster-client.ts';
import { giveUpReason, isTransient } from './pipeline-jobs.ts';

// An API server whose service proxy answers the sealing-certificate request with `status`.
let server: Server;
let status = 404;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'api-server-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  rmSync(dir, { recursive: true, force: true });
  server = createServer(tls, (_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end('{"kind":"Status"}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => new Promise((r) => server.close(r)));

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  const port = (server.address() as AddressInfo).port;
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('pipeline errors say whether a retry can help', () => {
  it('a cluster without the Sealed Secrets controller (404) is a configuration error: no retries, reported at once', async () => {
    status = 404;
    const err = await loadSealingCert({ kubeConfig: kubeConfig() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SealingError);
    expect((err as Error).message).toMatch(/HTTP 404 \(is the Sealed Secrets controller installed there\?\)/);
    expect(isTransient(err)).toBe(false);
    expect(giveUpReason(err)).toBe('ConfigurationError');
    const refused = ((status = 403), await loadSealingCert({ kubeConfig: kubeConfig() }).catch((e: unknown) => e));
    expect(isTransient(refused)).toBe(false);
    expect(isTransient(await loadSealingCert({}).catch((e: unknown) => e))).toBe(false);
  });

  it('a controller that is restarting (503) is transient: retried, then RetriesExhausted', async () => {
    status = 503;
    const err = await loadSealingCert({ kubeConfig: kubeConfig() }).catch((e: unknown) => e);
    expect(isTransient(err)).toBe(true);
    expect(giveUpReason(err)).toBe('RetriesExhausted');
  });

  it('Git and cluster hiccups are transient; a plain error (a render bug) is not', () => {
    for (const e of [new GitConflictError('moved'), new GitTransportError('reset'), new ClusterUnavailableError('down')]) expect(isTransient(e)).toBe(true);
    expect(isTransient(new Error('cannot render'))).toBe(false);
    expect(giveUpReason(new Error('cannot render'))).toBe('ProvisionFailed');
  });
});
