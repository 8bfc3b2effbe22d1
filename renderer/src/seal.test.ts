import { execFileSync } from 'node:child_process';
import { constants, createDecipheriv, privateDecrypt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { generateSealingKey, unsealValue } from '../../sim/src/sealed-secrets-controller.ts';
import { sealSecrets, sealSecretValue, SealingError } from './seal.ts';

// A real self-signed RSA certificate, made like the controller makes its own (openssl here).
const dir = mkdtempSync(join(tmpdir(), 'seal-'));
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=sealed-secret/O=sealed-secret',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ],
  { stdio: 'ignore' },
);
const CERT = readFileSync(join(dir, 'cert.pem'), 'utf8');
const KEY = readFileSync(join(dir, 'key.pem'), 'utf8');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The controller's side, written here from the format description (sealed-secrets HybridDecrypt). */
function unseal(blob: string, label: string): string {
  const buf = Buffer.from(blob, 'base64');
  const rsaLen = buf.readUInt16BE(0);
  const sessionKey = privateDecrypt(
    { key: KEY, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) },
    buf.subarray(2, 2 + rsaLen),
  );
  const aes = buf.subarray(2 + rsaLen);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(aes.subarray(aes.length - 16));
  return Buffer.concat([decipher.update(aes.subarray(0, aes.length - 16)), decipher.final()]).toString('utf8');
}

describe(sealSecretValue.name, () => {
  it('produces length ‖ RSA-OAEP(SHA-256) session key ‖ AES-256-GCM ciphertext+tag that the private key opens', () => {
    const value = 'pässwörd-✓-'.repeat(20);
    const blob = sealSecretValue({ certPem: CERT, namespace: 'store-abc', name: 'store-secrets', value });
    const buf = Buffer.from(blob, 'base64');
    expect(buf.readUInt16BE(0)).toBe(256); // 2048-bit key
    expect(buf.length).toBe(2 + 256 + Buffer.byteLength(value) + 16);
    expect(unseal(blob, 'store-abc/store-secrets')).toBe(value);
  });

  it('binds the value to namespace/name (strict scope): another label cannot open it', () => {
    const blob = sealSecretValue({ certPem: CERT, namespace: 'store-abc', name: 'store-secrets', value: 'x' });
    expect(() => unseal(blob, 'store-other/store-secrets')).toThrow();
    expect(() => unseal(blob, 'store-abc/other')).toThrow();
    expect(() => unseal(blob, '')).toThrow();
  });

  it('uses a fresh session key every time (same value, different ciphertexts)', () => {
    const a = sealSecretValue({ certPem: CERT, namespace: 'n', name: 's', value: 'same' });
    const b = sealSecretValue({ certPem: CERT, namespace: 'n', name: 's', value: 'same' });
    expect(a).not.toBe(b);
    expect(unseal(a, 'n/s')).toBe('same');
    expect(unseal(b, 'n/s')).toBe('same');
  });

  it('supports the namespace-wide and cluster-wide labels', () => {
    expect(unseal(sealSecretValue({ certPem: CERT, namespace: 'n', name: 's', value: 'v', scope: 'namespace-wide' }), 'n')).toBe('v');
    expect(unseal(sealSecretValue({ certPem: CERT, namespace: 'n', name: 's', value: 'v', scope: 'cluster-wide' }), '')).toBe('v');
  });

  it("is opened by the sim's independently written Sealed Secrets controller, with its own key and certificate", () => {
    const key = generateSealingKey(2048, 0);
    const blob = sealSecretValue({ certPem: key.certPem, namespace: 'store-x', name: 'store-secrets', value: 'cross-check' });
    const keys = [createPrivateKey(key.privateKeyPem)];
    expect(unsealValue(keys, blob, 'store-x/store-secrets').toString('utf8')).toBe('cross-check');
    expect(() => unsealValue(keys, blob, 'store-y/store-secrets')).toThrow();
  });

  it('rejects a certificate that is not PEM, without echoing anything', () => {
    expect(() => sealSecretValue({ certPem: 'garbage', namespace: 'n', name: 's', value: 'hunter2' })).toThrow(SealingError);
    try {
      sealSecretValue({ certPem: 'garbage', namespace: 'n', name: 's', value: 'hunter2' });
    } catch (err) {
      expect(String(err)).not.toContain('hunter2');
    }
  });
});

describe(sealSecrets.name, () => {
  it('seals every key of a Secret for its strict scope and never puts the plain value in the output', () => {
    const data = { 'mysql-password': 'hunter2-very-secret', AUTH_KEY: 'salt-salt-salt' };
    const sealed = sealSecrets(CERT, 'store-1', 'store-secrets', data);
    expect(Object.keys(sealed)).toEqual(['AUTH_KEY', 'mysql-password']);
    for (const [k, v] of Object.entries(data)) {
      expect(unseal(sealed[k]!, 'store-1/store-secrets')).toBe(v);
      expect(JSON.stringify(sealed)).not.toContain(v);
      expect(Buffer.from(sealed[k]!, 'base64').toString('latin1')).not.toContain(v);
    }
  });
});
