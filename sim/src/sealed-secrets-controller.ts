/**
 * The Sealed Secrets controller (bitnami-labs/sealed-secrets), simulated: it owns an RSA key pair
 * (published as a self-signed certificate, the one `kubeseal --fetch-cert` downloads), and turns each
 * SealedSecret into a Secret by decrypting its values in the kubeseal hybrid format:
 *
 *   2-byte big-endian length of the RSA ciphertext ‖ RSA-OAEP(SHA-256, label) of a 32-byte AES key ‖
 *   AES-256-GCM(ciphertext ‖ tag) of the value under that key with an all-zero nonce
 *
 * where the OAEP label is the scope: `<namespace>/<name>` (strict, the default), `<namespace>`
 * (annotation sealedsecrets.bitnami.com/namespace-wide) or empty (sealedsecrets.bitnami.com/cluster-wide).
 * A value sealed with another key or for another scope does not decrypt: the SealedSecret gets
 * condition Synced=False and no Secret appears, as on a cluster. Key rotation adds keys; every key
 * ever generated is tried, so old blobs keep working.
 */
import { constants, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import type { ClusterStore, KubeObject } from './cluster-store.ts';
import { kubeTime } from './cluster-store.ts';
import { selfSignedCert } from './self-signed-cert.ts';

export interface SealingKey {
  privateKeyPem: string;
  certPem: string;
  createdMs: number;
}

/** Thrown when no key can decrypt a value (wrong key, wrong scope, corrupted data). */
export class UnsealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsealError';
  }
}

export function generateSealingKey(bits: number, nowMs: number): SealingKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  const certPem = selfSignedCert({
    privateKey,
    publicKey,
    commonName: 'sealed-secret',
    organization: 'sealed-secret',
    notBefore: new Date(nowMs - 60_000),
    notAfter: new Date(nowMs + 10 * 365 * 24 * 3600_000),
    serial: randomBytes(16),
  });
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, certPem, createdMs: nowMs };
}

/** Decrypts one kubeseal hybrid-encrypted value (base64) with any of the keys, for the given label. */
export function unsealValue(keys: readonly KeyObject[], ciphertextB64: string, label: string): Buffer {
  const buf = Buffer.from(ciphertextB64, 'base64');
  if (buf.length < 2) throw new UnsealError('ciphertext too short');
  const rsaLen = buf.readUInt16BE(0);
  if (buf.length < 2 + rsaLen + 16) throw new UnsealError('ciphertext too short');
  const rsaCiphertext = buf.subarray(2, 2 + rsaLen);
  const aesPart = buf.subarray(2 + rsaLen);
  for (const key of keys) {
    let sessionKey: Buffer;
    try {
      sessionKey = privateDecrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) },
        rsaCiphertext,
      );
    } catch {
      continue;
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
      decipher.setAuthTag(aesPart.subarray(aesPart.length - 16));
      return Buffer.concat([decipher.update(aesPart.subarray(0, aesPart.length - 16)), decipher.final()]);
    } catch {
      continue;
    }
  }
  throw new UnsealError('no key could decrypt secret');
}

/** The OAEP label for a SealedSecret's scope. */
export function sealingLabel(ss: KubeObject): string {
  const a = { ...(ss.spec?.template?.metadata?.annotations ?? {}), ...(ss.metadata.annotations ?? {}) } as Record<string, string>;
  if (a['sealedsecrets.bitnami.com/cluster-wide'] === 'true') return '';
  if (a['sealedsecrets.bitnami.com/namespace-wide'] === 'true') return ss.metadata.namespace ?? '';
  return `${ss.metadata.namespace ?? ''}/${ss.metadata.name}`;
}

export class SealedSecretsController {
  readonly #store: ClusterStore;
  readonly #now: () => number;
  readonly #bits: number;
  #keys: SealingKey[] = [];
  #privateKeys: KeyObject[] = [];
  /** uid:generation of SealedSecrets already handled, so RSA work is done once per change. */
  #done = new Map<string, string>();

  constructor(store: ClusterStore, options: { keyBits?: number; now?: () => number; keys?: SealingKey[] } = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
    this.#bits = options.keyBits ?? 4096;
    const persisted = (options.keys ?? (store.extra.sealingKeys as SealingKey[] | undefined)) ?? [];
    if (persisted.length) this.#setKeys(persisted);
    else this.rotateKey();
  }

  #setKeys(keys: SealingKey[]): void {
    this.#keys = keys;
    this.#privateKeys = [...keys].reverse().map((k) => createPrivateKey(k.privateKeyPem));
    this.#store.extra.sealingKeys = keys;
  }

  /** The active (newest) key's certificate, PEM — what `kubeseal --fetch-cert` returns. */
  get certPem(): string {
    return (this.#keys[this.#keys.length - 1] as SealingKey).certPem;
  }

  get publicKeyPem(): string {
    return createPublicKey(this.certPem).export({ type: 'spki', format: 'pem' }) as string;
  }

  /** Adds a new key (the controller's periodic renewal); old keys stay for decryption. */
  rotateKey(): void {
    this.#setKeys([...this.#keys, generateSealingKey(this.#bits, this.#now())]);
    this.#done.clear();
  }

  /** After a reset of the store, keep the keys (a cluster reset does not change the controller's key). */
  persistKeys(): void {
    this.#store.extra.sealingKeys = this.#keys;
    this.#done.clear();
  }

  /** One reconcile pass over every SealedSecret. */
  reconcile(): void {
    const seen = new Set<string>();
    for (const ss of this.#store.list('bitnami.com/v1alpha1', 'SealedSecret')) {
      const uid = ss.metadata.uid ?? '';
      seen.add(uid);
      if (ss.metadata.deletionTimestamp) continue;
      const secret = this.#store.get('v1', 'Secret', ss.metadata.namespace, ss.metadata.name);
      const marker = `${ss.metadata.generation}`;
      if (this.#done.get(uid) === marker && (secret || ss.status?.conditions?.[0]?.status === 'False')) continue;
      this.#done.set(uid, marker);
      this.#unseal(ss, secret);
    }
    for (const uid of this.#done.keys()) if (!seen.has(uid)) this.#done.delete(uid);
  }

  #unseal(ss: KubeObject, existing: KubeObject | undefined): void {
    const label = sealingLabel(ss);
    const data: Record<string, string> = {};
    let failure: string | undefined;
    for (const [key, value] of Object.entries((ss.spec?.encryptedData ?? {}) as Record<string, string>)) {
      try {
        data[key] = unsealValue(this.#privateKeys, value, label).toString('base64');
      } catch {
        failure = `no key could decrypt secret (${key})`;
        break;
      }
    }
    const owned = existing?.metadata.ownerReferences?.some((r) => r.uid === ss.metadata.uid);
    if (!failure && existing && !owned) {
      failure = `Resource ${JSON.stringify(ss.metadata.name)} already exists and is not managed by SealedSecret`;
    }
    const now = kubeTime(this.#now());
    if (failure) {
      this.#store.setStatus(ss, {
        conditions: [{ type: 'Synced', status: 'False', reason: 'ErrUnsealFailed', message: failure, lastTransitionTime: now, lastUpdateTime: now }],
        observedGeneration: ss.metadata.generation,
      });
      return;
    }
    const template = (ss.spec?.template ?? {}) as { type?: string; metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; immutable?: boolean };
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: ss.metadata.name,
        namespace: ss.metadata.namespace,
        ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}),
        ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
        ownerReferences: [
          { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: ss.metadata.name, uid: ss.metadata.uid as string, controller: true },
        ],
      },
      type: template.type ?? 'Opaque',
      data,
    };
    this.#store.put(secret);
    this.#store.setStatus(ss, {
      conditions: [{ type: 'Synced', status: 'True', lastTransitionTime: now, lastUpdateTime: now }],
      observedGeneration: ss.metadata.generation,
    });
  }
}
