import type { z } from 'zod';
import type { StoreListItem } from './store.schema.ts';
import type { StoreListRow } from './store-list.ts';
import type { StoreListResult } from './store-service.ts';
import { presentStoreSummary } from './store-presenter.ts';

/** A row of the store list: the summary, and the owner's e-mail in the operators' view of every store. */
export function presentStoreListItem(r: StoreListRow, withOwner: boolean): z.infer<typeof StoreListItem> {
  return { ...presentStoreSummary(r.store), ...(withOwner ? { ownerEmail: r.ownerEmail } : {}) };
}

/** The next page's path: the same query with `cursor` (or, for a request by offset, `offset`) moved on. */
export function nextPageLink(path: string, query: Record<string, unknown>, page: Pick<StoreListResult, 'nextCursor' | 'nextOffset'>): string | null {
  if (!page.nextCursor) return null;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'cursor' || k === 'offset') continue;
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') params.append(k, one);
  }
  if (page.nextOffset !== null && query.offset !== undefined) params.set('offset', String(page.nextOffset));
  else params.set('cursor', page.nextCursor);
  return `${path}?${params.toString()}`;
}
