import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { sealSecretValue } from '../../renderer/src/seal.ts';
import { ClusterStore, type KubeObject } from './cluster-store.ts';

const text = (o: KubeObject | undefined, key: string) => Buffer.from((o?.data as Record<string, string>)[key] ?? '', 'base64').toString();
import { SealedSecretsController } from './sealed-secrets-controller.ts';

const sealed = (name: string, namespace: string, encryptedData: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  spec: { encryptedData, template: { metadata: { labels: { app: 'x' } }, type: 'Opaque' } },
});

describe(SealedSecretsController.name, () => {
  const store = new ClusterStore();
  const controller = new SealedSecretsController(store, { keyBits: 2048 });

  it('publishes a valid self-signed certificate for its RSA key', () => {
    const cert = new X509Certificate(controller.certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject).toContain('CN=sealed-secret');
  });

  it('unseals strict-scope values into a Secret owned by the SealedSecret', () => {
    const value = sealSecretValue({ certPem: controller.certPem, namespace: 'store-a', name: 'store-secrets', value: 'hunter2' });
    store.create(sealed('store-secrets', 'store-a', { password: value }));
    controller.reconcile();
    const secret = store.get('v1', 'Secret', 'store-a', 'store-secrets');
    expect(text(secret, 'password')).toBe('hunter2');
    expect(secret?.metadata.labels).toEqual({ app: 'x' });
    expect(secret?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'SealedSecret', name: 'store-secrets', controller: true });
    expect(store.get('bitnami.com/v1alpha1', 'SealedSecret', 'store-a', 'store-secrets')?.status.conditions[0]).toMatchObject({ type: 'Synced', status: 'True' });
  });

  it('refuses a value sealed for another name or namespace (strict scope)', () => {
    const value = sealSecretValue({ certPem: controller.certPem, namespace: 'store-b', name: 'other', value: 'x' });
    store.create(sealed('store-secrets', 'store-b', { password: value }));
    controller.reconcile();
    expect(store.get('v1', 'Secret', 'store-b', 'store-secrets')).toBeUndefined();
    expect(store.get('bitnami.com/v1alpha1', 'SealedSecret', 'store-b', 'store-secrets')?.status.conditions[0]).toMatchObject({
      type: 'Synced',
      status: 'False',
      message: 'no key could decrypt secret (password)',
    });
  });

  it('honours namespace-wide and cluster-wide scopes', () => {
    const nsWide = sealSecretValue({ certPem: controller.certPem, namespace: 'store-c', name: 'ignored', value: 'n', scope: 'namespace-wide' });
    const clusterWide = sealSecretValue({ certPem: controller.certPem, namespace: 'x', name: 'y', value: 'c', scope: 'cluster-wide' });
    store.create(sealed('s1', 'store-c', { v: nsWide }, { 'sealedsecrets.bitnami.com/namespace-wide': 'true' }));
    store.create(sealed('s2', 'store-d', { v: clusterWide }, { 'sealedsecrets.bitnami.com/cluster-wide': 'true' }));
    controller.reconcile();
    expect(text(store.get('v1', 'Secret', 'store-c', 's1'), 'v')).toBe('n');
    expect(text(store.get('v1', 'Secret', 'store-d', 's2'), 'v')).toBe('c');
  });

  it('keeps decrypting values sealed with an older key after rotation', () => {
    const old = sealSecretValue({ certPem: controller.certPem, namespace: 'store-e', name: 's', value: 'old' });
    const before = controller.certPem;
    controller.rotateKey();
    expect(controller.certPem).not.toBe(before);
    const fresh = sealSecretValue({ certPem: controller.certPem, namespace: 'store-e', name: 's', value: 'new' });
    store.create(sealed('s', 'store-e', { a: old, b: fresh }));
    controller.reconcile();
    const secret = store.get('v1', 'Secret', 'store-e', 's');
    expect(text(secret, 'a')).toBe('old');
    expect(text(secret, 'b')).toBe('new');
  });

  it('refuses values sealed with a key it does not hold', () => {
    const stranger = new SealedSecretsController(new ClusterStore(), { keyBits: 2048 });
    const value = sealSecretValue({ certPem: stranger.certPem, namespace: 'store-f', name: 's', value: 'x' });
    store.create(sealed('s', 'store-f', { a: value }));
    controller.reconcile();
    expect(store.get('v1', 'Secret', 'store-f', 's')).toBeUndefined();
  });

  it('removes the Secret with its SealedSecret (owner reference)', () => {
    store.delete('bitnami.com/v1alpha1', 'SealedSecret', 'store-a', 'store-secrets');
    expect(store.get('v1', 'Secret', 'store-a', 'store-secrets')).toBeUndefined();
  });
});
