/**
 * Ingress gets its load-balancer address after `ingressAddressMs` (k3s Traefik publishes the node IP);
 * cert-manager's ingress-shim: annotated Ingresses get one Certificate per TLS secret.
 */
import { kubeTime } from '../cluster-store.ts';
import type { Controller, ControllerContext } from './controller.ts';

export class IngressController implements Controller {
  readonly name = 'ingress';
  readonly #c: ControllerContext;

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reconcile(): void {
    for (const ing of this.#c.store.list('networking.k8s.io/v1', 'Ingress')) {
      if (ing.metadata.deletionTimestamp) continue;
      if (this.#c.age(ing) >= this.#c.t.ingressAddressMs && !ing.status?.loadBalancer?.ingress?.length) {
        this.#c.store.setStatus(ing, { loadBalancer: { ingress: [{ ip: this.#c.t.ingressAddress }] } });
      }
      // cert-manager's ingress-shim: one Certificate per TLS secret of an annotated Ingress.
      const a = ing.metadata.annotations ?? {};
      const issuer = a['cert-manager.io/cluster-issuer'] ?? a['cert-manager.io/issuer'];
      if (!issuer) continue;
      for (const tls of (ing.spec?.tls ?? []) as { hosts?: string[]; secretName?: string }[]) {
        if (!tls.secretName) continue;
        const existing = this.#c.store.get('cert-manager.io/v1', 'Certificate', ing.metadata.namespace, tls.secretName);
        if (existing) {
          // The shim keeps the Certificate in step with the Ingress: new hosts mean a re-issue (Ready False until issued).
          const hosts = tls.hosts ?? [];
          if (JSON.stringify(existing.spec?.dnsNames ?? []) === JSON.stringify(hosts)) continue;
          const updated = this.#c.store.put({ ...existing, spec: { ...existing.spec, dnsNames: hosts } });
          const message = 'Issuing certificate as the dnsNames of the Ingress changed';
          this.#c.store.setStatus(updated, {
            conditions: [{ type: 'Ready', status: 'False', reason: 'Reissuing', message, lastTransitionTime: kubeTime(this.#c.now()), observedGeneration: updated.metadata.generation }],
          });
          continue;
        }
        this.#c.store.create({
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          metadata: {
            name: tls.secretName,
            namespace: ing.metadata.namespace,
            ownerReferences: [{ apiVersion: ing.apiVersion, kind: ing.kind, name: ing.metadata.name, uid: ing.metadata.uid as string, controller: true, blockOwnerDeletion: true }],
          },
          spec: {
            secretName: tls.secretName,
            dnsNames: tls.hosts ?? [],
            usages: ['digital signature', 'key encipherment'],
            issuerRef: { group: 'cert-manager.io', kind: a['cert-manager.io/cluster-issuer'] ? 'ClusterIssuer' : 'Issuer', name: issuer },
          },
        });
      }
    }
  }
}
