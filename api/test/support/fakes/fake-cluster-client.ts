import type { V1Pod } from '@kubernetes/client-node';
import type { ArgoApplication } from '../../../src/features/provisioning/application-status.ts';
import { ClusterUnavailableError, type CertificateState, type ClusterClient } from '../../../src/features/provisioning/cluster-client.ts';

/** ClusterClient in memory: Applications, pods by namespace, namespace phases; `down` makes every call fail. */
export class FakeClusterClient implements ClusterClient {
  readonly apps = new Map<string, ArgoApplication>();
  readonly pods = new Map<string, V1Pod[]>();
  readonly namespaces = new Map<string, string>();
  /** cert-manager Certificates by `<namespace>/<name>`. */
  readonly certificates = new Map<string, CertificateState>();
  readonly refreshed: string[] = [];
  readonly podReads: string[] = [];
  down = false;
  sealingCertFetches = 0;
  /** What sealingCertificate answers (a PEM certificate or public key). */
  sealingPem = '';

  private check() {
    if (this.down) throw new ClusterUnavailableError('cluster API unavailable: fake is down');
  }
  async listStoreApplications() {
    this.check();
    return [...this.apps.values()];
  }
  async refreshApplication(name: string) {
    this.check();
    this.refreshed.push(name);
    return this.apps.has(name);
  }
  async namespacePhase(name: string) {
    this.check();
    return this.namespaces.get(name) ?? null;
  }
  async sealingCertificate() {
    this.check();
    this.sealingCertFetches += 1;
    return this.sealingPem;
  }
  async readCertificate(namespace: string, name: string) {
    this.check();
    return this.certificates.get(`${namespace}/${name}`) ?? null;
  }
  async listPods(namespace: string) {
    this.check();
    this.podReads.push(namespace);
    return this.pods.get(namespace) ?? [];
  }
}
