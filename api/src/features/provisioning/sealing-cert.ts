import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { publicKeyOf, SealingError } from '../../../../renderer/src/seal.ts';

/*
 * The Sealed Secrets controller's certificate, read from a file or fetched from the cluster the way
 * `kubeseal --fetch-cert` does (pkg/kubeseal FetchCertificate): client-go
 * Services(ns).ProxyGet("http", controllerName, "", "/v1/cert.pem"), i.e.
 * GET /api/v1/namespaces/<ns>/services/http:<name>:/proxy/v1/cert.pem; defaults controller name
 * "sealed-secrets-controller", namespace "kube-system". Cluster I/O, so it lives here and is called only
 * through ClusterClient; the sealing itself (renderer/src/seal.ts) stays pure.
 */

/** Where the controller's certificate comes from. */
export interface SealingCertOptions {
  /** Sealed Secrets controller Service name (default `sealed-secrets-controller`, as kubeseal). */
  controllerName?: string;
  /** Its namespace (default `kube-system`, as kubeseal). */
  controllerNamespace?: string;
  /** Request timeout (default 10 s). */
  timeoutMs?: number;
}

/**
 * Fetches the controller's certificate the way `kubeseal --fetch-cert` does: through the API server's
 * service proxy, authenticated with the kubeconfig's current context. Checks it is an RSA certificate.
 */
export async function fetchSealingCert(kubeConfig: KubeConfig, options: SealingCertOptions = {}): Promise<string> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new SealingError('kubeconfig has no current cluster');
  const name = options.controllerName ?? 'sealed-secrets-controller';
  const namespace = options.controllerNamespace ?? 'kube-system';
  const url = new URL(
    `${cluster.server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/` +
      `http:${encodeURIComponent(name)}:/proxy/v1/cert.pem`,
  );
  const opts: RequestOptions = { method: 'GET', headers: { Accept: 'application/x-pem-file, */*' } };
  await kubeConfig.applyToHTTPSOptions(opts);
  const body = await new Promise<string>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          const status = res.statusCode ?? 0;
          const hint = status === 404 ? ' (is the Sealed Secrets controller installed there?)' : '';
          reject(
            new SealingError(`fetching the sealing certificate from ${namespace}/${name} failed: HTTP ${status}${hint}`, {
              transient: status >= 500 || status === 429,
            }),
          );
        } else resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new SealingError('fetching the sealing certificate timed out', { transient: true })));
    req.on('error', (err) =>
      reject(err instanceof SealingError ? err : new SealingError(`fetching the sealing certificate failed: ${err.message}`, { transient: true })),
    );
    req.end();
  });
  publicKeyOf(body);
  return body;
}

/** Reads the controller's certificate from a file (e.g. saved with `kubeseal --fetch-cert > cert.pem`). */
export async function readSealingCertFile(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    throw new SealingError(`cannot read sealing certificate ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  publicKeyOf(pem);
  return pem;
}

/** The certificate from a configured file when given, else fetched from the cluster. */
export async function loadSealingCert(source: { certFile?: string; kubeConfig?: KubeConfig } & SealingCertOptions): Promise<string> {
  if (source.certFile) return readSealingCertFile(source.certFile);
  if (source.kubeConfig) return fetchSealingCert(source.kubeConfig, source);
  throw new SealingError('no sealing certificate configured: give a certificate file or a kubeconfig');
}
