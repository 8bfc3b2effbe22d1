import { createHash } from 'node:crypto';
import type { StoreModel } from '../../db/models/store-model.ts';
import type { StoreStatus } from './store-lifecycle.ts';

/** What the store list can be sorted by. Ties break on `created_at`, then `id`, in the same direction. */
export const STORE_SORTS = ['created_at', 'name', 'status'] as const;
export type StoreSort = (typeof STORE_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

/** The default direction of each sort: newest first; names and statuses A → Z. */
export const DEFAULT_ORDER: Record<StoreSort, SortOrder> = { created_at: 'desc', name: 'asc', status: 'asc' };

/**
 * Where a page ends, as the sort sees it: the sort value (lower-cased name or status; null for
 * created_at), the creation time as PostgreSQL prints it (microseconds kept: a JS Date would drop them
 * and skip rows created in the same millisecond) and the id.
 */
export type StoreListKey = { v: string | null; at: string; id: string };

/** One page of the store list, as the repository is asked for it. */
export type StoreListFilter = {
  /** Only this owner's stores; undefined: every owner's (operators). */
  ownerId?: string;
  /** Case-insensitive substring of the name or the domain. */
  search?: string;
  /** Only these statuses (any of them); undefined or empty: all. */
  statuses?: readonly StoreStatus[];
  sort: StoreSort;
  order: SortOrder;
  limit: number;
  /** Rows to skip (limit/offset pagination). */
  offset?: number;
  /** Rows after this key (keyset pagination). */
  after?: StoreListKey;
  /** Whose quota comes with the page (the caller's). */
  quotaOf: string;
};

/** A list row: the store, its owner's e-mail and its key. */
export type StoreListRow = { store: StoreModel; ownerEmail: string; key: StoreListKey };

/** A page, the number of stores the filter matches, and the caller's quota (its override and stores used), read together. */
export type StoreListPage = {
  rows: StoreListRow[];
  hasMore: boolean;
  total: number;
  quota: { override: number | null; used: number; plans: string[]; suspended: number };
};

/** What a cursor is bound to: a cursor of one filter or sort is refused for another. */
export function listFingerprint(f: Pick<StoreListFilter, 'ownerId' | 'search' | 'statuses' | 'sort' | 'order'>): string {
  return createHash('sha256')
    .update(JSON.stringify([f.ownerId ?? '*', f.search ?? '', [...(f.statuses ?? [])].sort(), f.sort, f.order]))
    .digest('base64url')
    .slice(0, 12);
}

/** An opaque cursor: the key of the last row of a page, bound to the filter it came from. */
export function encodeCursor(key: StoreListKey, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ k: [key.v, key.at, key.id], f: fingerprint })).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)$/;

/** The key a cursor carries; undefined when it is not one of ours, or belongs to another filter or sort. */
export function decodeCursor(cursor: string, fingerprint: string): StoreListKey | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; f?: unknown };
    if (parsed.f !== fingerprint || !Array.isArray(parsed.k) || parsed.k.length !== 3) return undefined;
    const [v, at, id] = parsed.k as unknown[];
    if (
      (v !== null && (typeof v !== 'string' || v.length > 200)) ||
      typeof at !== 'string' ||
      !PG_TIMESTAMP.test(at) ||
      typeof id !== 'string' ||
      !UUID.test(id)
    )
      return undefined;
    return { v, at, id };
  } catch {
    return undefined;
  }
}
