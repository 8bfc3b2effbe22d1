/**
 * A self-signed X.509 certificate for an RSA key, encoded by hand in DER (Node can parse certificates
 * but not make them). The Sealed Secrets controller publishes such a certificate; kubeseal and our
 * renderer only read its public key and validity.
 */
import { sign, type KeyObject } from 'node:crypto';

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const stack: number[] = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) stack.unshift((v & 0x7f) | 0x80);
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A DER INTEGER of unsigned big-endian bytes: minimal (no leading zero bytes), a 0 byte only to keep it positive. */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const b = (trimmed[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return tlv(0x02, b);
}

function utf8(s: string): Buffer {
  return tlv(0x0c, Buffer.from(s, 'utf8'));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  // UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5).
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

function name(cn: string, o: string): Buffer {
  return seq(set(seq(oid('2.5.4.10'), utf8(o))), set(seq(oid('2.5.4.3'), utf8(cn))));
}

export interface SelfSignedCertOptions {
  privateKey: KeyObject;
  publicKey: KeyObject;
  commonName: string;
  organization: string;
  notBefore: Date;
  notAfter: Date;
  serial: Buffer;
  /** subjectAltName entries (for a TLS server certificate). */
  altNames?: { dns?: string[]; ips?: string[] };
}

/** Returns the PEM of a self-signed RSA/SHA-256 certificate. */
export function selfSignedCert(opts: SelfSignedCertOptions): string {
  const sha256WithRSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const spki = opts.publicKey.export({ type: 'spki', format: 'der' });
  const subject = name(opts.commonName, opts.organization);
  const basicConstraints = seq(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, seq(tlv(0x01, Buffer.from([0xff])))));
  // digitalSignature, keyEncipherment, keyCertSign (the certificate is its own CA).
  const keyUsage = seq(oid('2.5.29.15'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, tlv(0x03, Buffer.from([0x02, 0xa4]))));
  const extensions = [keyUsage, basicConstraints];
  if (opts.altNames) {
    const names = [
      ...(opts.altNames.dns ?? []).map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
      ...(opts.altNames.ips ?? []).map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number)))),
    ];
    extensions.push(seq(oid('2.5.29.17'), tlv(0x04, seq(...names))));
  }
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(opts.serial),
    sha256WithRSA,
    subject,
    seq(time(opts.notBefore), time(opts.notAfter)),
    subject,
    spki,
    tlv(0xa3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, opts.privateKey);
  const der = seq(tbs, sha256WithRSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trim();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
