import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { PipelineError } from './pipeline-error.ts';

/*
 * Sealed Secrets ("kubeseal") hybrid encryption, written from the format as bitnami-labs/sealed-secrets
 * defines it (read, not copied):
 *   - pkg/crypto/crypto.go HybridEncrypt: a fresh 32-byte session key; AES-256-GCM (Go's cipher.NewGCM:
 *     12-byte nonce, 16-byte tag appended to the ciphertext) with an all-zero nonce ("SessionKey is only
 *     used once, so zero nonce is ok") and no additional data; the session key encrypted with
 *     rsa.EncryptOAEP(sha256, ..., label) — SHA-256 for both the OAEP hash and MGF1; output =
 *     uint16 big-endian length of the RSA ciphertext ‖ RSA ciphertext ‖ AES-GCM ciphertext+tag.
 *   - pkg/apis/sealedsecrets/v1alpha1 EncryptionLabel: strict scope (the default) labels with
 *     "<namespace>/<name>", namespace-wide with "<namespace>", cluster-wide with "".
 *   - kubeseal's encryptSecret: the value stored in encryptedData is the standard base64 of that output.
 *   - kubeseal --fetch-cert (pkg/kubeseal FetchCertificate): client-go
 *     Services(ns).ProxyGet("http", controllerName, "", "/v1/cert.pem"), accepting
 *     application/x-pem-file or anything, i.e. GET /api/v1/namespaces/<ns>/services/http:<name>:/proxy/v1/cert.pem;
 *     defaults controller name "sealed-secrets-controller", namespace "kube-system".
 */

/**
 * A sealing certificate could not be read, fetched or used. Never carries secret values. Transient only
 * when fetching it failed in a way a retry can fix (timeout, network, HTTP 5xx); a missing controller
 * (404), a refusal (401/403), a bad certificate or no configuration are configuration errors.
 */
export class SealingError extends PipelineError {
  override name = 'SealingError';

  constructor(message: string, options: { transient?: boolean } = {}) {
    super(message, { transient: options.transient ?? false });
  }
}

export type SealingScope = 'strict' | 'namespace-wide' | 'cluster-wide';

export interface SealInput {
  /** The controller's certificate (PEM), or its RSA public key (PEM). */
  certPem: string;
  /** Namespace of the Secret the value will be unsealed into. */
  namespace: string;
  /** Name of that Secret. */
  name: string;
  /** The plain value (UTF-8 string or bytes). */
  value: string | Uint8Array;
  /** Default `strict`, the only scope the platform uses. */
  scope?: SealingScope;
}

const SESSION_KEY_BYTES = 32;
const GCM_NONCE_BYTES = 12;

/** The OAEP label for a scope (sealed-secrets' EncryptionLabel). */
export function sealingLabel(namespace: string, name: string, scope: SealingScope = 'strict'): Buffer {
  if (scope === 'cluster-wide') return Buffer.alloc(0);
  if (scope === 'namespace-wide') return Buffer.from(namespace, 'utf8');
  return Buffer.from(`${namespace}/${name}`, 'utf8');
}

/** Seals one value in the kubeseal format; returns the base64 string that goes into `encryptedData`. */
export function sealSecretValue(input: SealInput): string {
  const key = publicKeyOf(input.certPem);
  const sessionKey = randomBytes(SESSION_KEY_BYTES);
  const rsaCiphertext = publicEncrypt(
    {
      key,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: sealingLabel(input.namespace, input.name, input.scope),
    },
    sessionKey,
  );
  const cipher = createCipheriv('aes-256-gcm', sessionKey, Buffer.alloc(GCM_NONCE_BYTES));
  const plaintext = typeof input.value === 'string' ? Buffer.from(input.value, 'utf8') : input.value;
  const aesCiphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rsaCiphertext.length);
  sessionKey.fill(0);
  return Buffer.concat([length, rsaCiphertext, aesCiphertext]).toString('base64');
}

/** Seals every value of a Secret (strict scope to `namespace/name`); keys are kept, order sorted. */
export function sealSecrets(certPem: string, namespace: string, name: string, data: Record<string, string>): Record<string, string> {
  const key = publicKeyPem(certPem);
  const out: Record<string, string> = {};
  for (const k of Object.keys(data).sort()) {
    out[k] = sealSecretValue({ certPem: key, namespace, name, value: data[k] as string });
  }
  return out;
}

function publicKeyPem(certPem: string): string {
  return publicKeyOf(certPem).export({ type: 'spki', format: 'pem' }).toString();
}

export function publicKeyOf(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    throw new SealingError('sealing certificate is not a PEM certificate or public key');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new SealingError('sealing certificate does not hold an RSA key');
  return key;
}
