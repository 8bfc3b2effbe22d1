/** Request bodies: JSON merge patch (also used for strategic merge), JSON patch (RFC 6902). */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function jsonPatch(target: unknown, ops: { op: string; path: string; value?: unknown; from?: string }[]): unknown {
  const doc = structuredClone(target) as Record<string, unknown>;
  const parts = (p: string) => p.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const parent = (p: string[]) => {
    let cur: any = doc;
    for (const s of p.slice(0, -1)) {
      if (cur[s] === undefined) throw new HttpError(422, 'Invalid', `the server rejected our request due to an error in our request: path ${p.join('/')} not found`);
      cur = cur[s];
    }
    return cur;
  };
  for (const op of ops) {
    const p = parts(op.path);
    const last = p[p.length - 1] as string;
    const par = parent(p);
    switch (op.op) {
      case 'add':
        if (Array.isArray(par)) par.splice(last === '-' ? par.length : Number(last), 0, op.value);
        else par[last] = op.value;
        break;
      case 'replace':
        par[last] = op.value;
        break;
      case 'remove':
        if (Array.isArray(par)) par.splice(Number(last), 1);
        else delete par[last];
        break;
      case 'test':
        if (JSON.stringify(par[last]) !== JSON.stringify(op.value)) throw new HttpError(422, 'Invalid', `testing value ${op.path} failed`);
        break;
      default:
        throw new HttpError(400, 'BadRequest', `unsupported JSON patch operation ${op.op}`);
    }
  }
  return doc;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
