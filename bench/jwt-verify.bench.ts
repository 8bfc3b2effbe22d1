// Benchmark: verifying one of the platform's HS256 access tokens, with the secret handed to
// jsonwebtoken as a string (it then tries createPublicKey on it, fails, and makes a secret key — on
// every call) against a KeyObject made once, as api/src/auth does.
// Usage: node bench/jwt-verify.bench.ts [--n 20000] [--rounds 3]
import { createSecretKey, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } } });
const n = Number(values.n);
const secret = randomBytes(48).toString('base64url');
const key = createSecretKey(Buffer.from(secret));
const opts: jwt.VerifyOptions = { algorithms: ['HS256'], issuer: 'store-platform', audience: 'store-platform-api' };
const token = jwt.sign({ email: 'a@example.com', pwc: 0 }, secret, {
  algorithm: 'HS256',
  subject: crypto.randomUUID(),
  issuer: opts.issuer as string,
  audience: 'store-platform-api',
  expiresIn: 900,
});

function time(k: string | typeof key): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) jwt.verify(token, k, opts);
  const us = ((performance.now() - t0) * 1000) / n;
  return us;
}
const results: Record<string, number[]> = { 'string secret (before)': [], 'KeyObject made once (after)': [] };
for (let r = 0; r < Number(values.rounds); r++) {
  results['string secret (before)']!.push(time(secret));
  results['KeyObject made once (after)']!.push(time(key));
}
for (const [label, us] of Object.entries(results)) {
  const s = [...us].sort((a, b) => a - b);
  console.log(`${label}: ${s[Math.floor(s.length / 2)]!.toFixed(1)} µs per verify (min ${s[0]!.toFixed(1)}, max ${s.at(-1)!.toFixed(1)})`);
}
