/** The API server's certificate parses whatever its random serial is (DER integers must be minimal). */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selfSignedCert } from './self-signed-cert.ts';

describe('selfSignedCert', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const cert = (serial: Buffer) =>
    new X509Certificate(selfSignedCert({ privateKey, publicKey, commonName: 'kube-apiserver', organization: 'o', notBefore: new Date(), notAfter: new Date(Date.now() + 3600_000), serial, altNames: { dns: ['localhost'], ips: ['127.0.0.1'] } }));

  it('encodes serials with leading zero bytes or the high bit set as minimal positive integers', () => {
    expect(cert(Buffer.from('00000a0b0c', 'hex')).serialNumber).toBe('0A0B0C');
    expect(cert(Buffer.from('007f01', 'hex')).serialNumber).toBe('7F01');
    expect(cert(Buffer.from('8001', 'hex')).serialNumber).toBe('8001');
    expect(cert(Buffer.from('00', 'hex')).serialNumber).toMatch(/^0+$/);
    const c = cert(Buffer.from('0102', 'hex'));
    expect(c.verify(c.publicKey)).toBe(true);
    expect(c.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });
});
