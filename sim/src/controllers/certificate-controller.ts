/** cert-manager: a Certificate is Ready after `certificateReadyMs`, with its TLS Secret. */
import { kubeTime } from '../cluster-store.ts';
import type { Controller, ControllerContext } from './controller.ts';

export class CertificateController implements Controller {
  readonly name = 'certificate';
  readonly #c: ControllerContext;

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reconcile(): void {
    for (const cert of this.#c.store.list('cert-manager.io/v1', 'Certificate')) {
      if (cert.metadata.deletionTimestamp) continue;
      const ready = cert.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      if (ready) continue;
      const now = kubeTime(this.#c.now());
      if (this.#c.age(cert) < this.#c.t.certificateReadyMs) {
        if (!cert.status?.conditions) {
          this.#c.store.setStatus(cert, {
            conditions: [
              { type: 'Ready', status: 'False', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist', lastTransitionTime: now, observedGeneration: cert.metadata.generation },
              { type: 'Issuing', status: 'True', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist', lastTransitionTime: now, observedGeneration: cert.metadata.generation },
            ],
          });
        }
        continue;
      }
      if (!this.#c.namespaceActive(cert.metadata.namespace)) continue;
      this.#c.store.put({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: cert.spec?.secretName, namespace: cert.metadata.namespace, annotations: { 'cert-manager.io/certificate-name': cert.metadata.name, 'cert-manager.io/common-name': cert.spec?.dnsNames?.[0] ?? '' } },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': Buffer.from('simulated certificate').toString('base64'), 'tls.key': Buffer.from('simulated key').toString('base64') },
      });
      this.#c.store.setStatus(cert, {
        conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired', lastTransitionTime: now, observedGeneration: cert.metadata.generation }],
        notBefore: now,
        notAfter: kubeTime(this.#c.now() + 90 * 24 * 3600_000),
        renewalTime: kubeTime(this.#c.now() + 60 * 24 * 3600_000),
        revision: 1,
      });
    }
  }
}
