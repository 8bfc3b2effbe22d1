import type { V1Pod } from '@kubernetes/client-node';
import type { ArgoApplication } from '../../../src/features/provisioning/application-status.ts';
import { applicationFingerprint, type InformerStats, type StoreApplications } from '../../../src/features/provisioning/application-informer.ts';
import { ClusterUnavailableError, STORE_ID_LABEL, type CertificateState, type ClusterClient } from '../../../src/features/provisioning/cluster-client.ts';

/**
 * The Applications by name; every set/delete/clear is what a watch would deliver, so the fake informer
 * over it sees each change the way the real one sees watch events (a set of an equal Application is
 * no change, as a refresh that only moves reconciledAt is none).
 */
export class FakeApplications extends Map<string, ArgoApplication> {
  readonly changed = new Set<string>();
  readonly byStore = new Map<string, string>();

  override set(name: string, app: ArgoApplication): this {
    const old = super.get(name);
    const id = app.metadata.labels?.[STORE_ID_LABEL];
    const oldId = old?.metadata.labels?.[STORE_ID_LABEL];
    super.set(name, app);
    // Map's constructor calls set before the fields exist.
    if (!this.changed) return this;
    if (oldId && oldId !== id) {
      this.byStore.delete(oldId);
      this.changed.add(oldId);
    }
    if (id) {
      this.byStore.set(id, name);
      if (!old || applicationFingerprint(old) !== applicationFingerprint(app)) this.changed.add(id);
    }
    return this;
  }

  override delete(name: string): boolean {
    const id = super.get(name)?.metadata.labels?.[STORE_ID_LABEL];
    if (id) {
      this.byStore.delete(id);
      this.changed.add(id);
    }
    return super.delete(name);
  }

  override clear(): void {
    for (const name of [...this.keys()]) this.delete(name);
  }
}

/** StoreApplications over FakeApplications: the first synced() is the list; `down` fails it. */
export class FakeStoreApplications implements StoreApplications {
  private readonly client: FakeClusterClient;
  private listed = false;
  readonly stats: InformerStats = { lists: 0, watches: 0, events: 0, relists: 0, bookmarks: 0 };

  constructor(client: FakeClusterClient) {
    this.client = client;
  }
  async synced() {
    if (this.client.down) throw new ClusterUnavailableError('cluster API unavailable: fake is down');
    if (!this.listed) {
      this.listed = true;
      this.stats.lists++;
      this.stats.watches++;
    }
  }
  get(storeId: string) {
    const name = this.client.apps.byStore.get(storeId);
    return name === undefined ? undefined : this.client.apps.get(name);
  }
  storeIds() {
    return this.client.apps.byStore.keys();
  }
  takeChanged() {
    const out = new Set(this.client.apps.changed);
    this.client.apps.changed.clear();
    this.stats.events += out.size;
    return out;
  }
  stop() {}
}

/** ClusterClient in memory: Applications, pods by namespace, namespace phases; `down` makes every call fail. */
export class FakeClusterClient implements ClusterClient {
  readonly apps = new FakeApplications();
  readonly pods = new Map<string, V1Pod[]>();
  readonly namespaces = new Map<string, string>();
  /** cert-manager Certificates by `<namespace>/<name>`. */
  readonly certificates = new Map<string, CertificateState>();
  readonly refreshed: string[] = [];
  readonly podReads: string[] = [];
  readonly informer = new FakeStoreApplications(this);
  down = false;
  sealingCertFetches = 0;
  /** Calls of listStoreApplications (the full list the informer replaces). */
  listCalls = 0;
  /** What sealingCertificate answers (a PEM certificate or public key). */
  sealingPem = '';

  private check() {
    if (this.down) throw new ClusterUnavailableError('cluster API unavailable: fake is down');
  }
  async listStoreApplications() {
    this.check();
    this.listCalls++;
    return [...this.apps.values()];
  }
  storeApplications() {
    return this.informer;
  }
  close() {}
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
