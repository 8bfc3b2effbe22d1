/**
 * The store list page's state, kept in its URL (`/stores?q=&status=&sort=&page=&view=all`) so reload,
 * back and shared links show the same list; and the API query that state asks for. Pure: used by the
 * page's server load, its polling endpoint and its links.
 */
import { STORE_STATUSES, type StoreStatus } from '../../../api/src/features/stores/store-lifecycle.ts';

/** Stores per page of the dashboard's list. */
export const PAGE_SIZE = 10;
/** More stores than this and the list gets search, filter, sort and pages. */
export const HANDFUL = 5;

/** The sorts the page offers, each an API sort and direction. */
export const SORTS = {
  newest: { label: 'Newest first', sort: 'created_at', order: 'desc' },
  oldest: { label: 'Oldest first', sort: 'created_at', order: 'asc' },
  name: { label: 'Name A–Z', sort: 'name', order: 'asc' },
  'name-desc': { label: 'Name Z–A', sort: 'name', order: 'desc' },
  status: { label: 'Status', sort: 'status', order: 'asc' },
} as const;
export type SortKey = keyof typeof SORTS;

export type StoreListView = {
  q: string;
  /** One status, or '' for all. */
  status: StoreStatus | '';
  sort: SortKey;
  /** 1-based. */
  page: number;
  /** Operators' view of every user's stores. */
  all: boolean;
};

export const STATUSES: readonly StoreStatus[] = STORE_STATUSES;

/** The view a URL asks for; anything it cannot use falls back to the default (never an error page). */
export function viewFromUrl(params: URLSearchParams, mayViewAll: boolean): StoreListView {
  const q = (params.get('q') ?? '').trim().slice(0, 100);
  const status = STATUSES.find((s) => s === params.get('status')) ?? '';
  const sortParam = params.get('sort') ?? '';
  const sort: SortKey = Object.hasOwn(SORTS, sortParam) ? (sortParam as SortKey) : 'newest';
  const page = Math.min(100_000, Math.max(1, Math.floor(Number(params.get('page'))) || 1));
  return { q, status, sort, page, all: mayViewAll && params.get('view') === 'all' };
}

/** True when the view narrows or reorders the list (so the controls stay shown whatever the count). */
export const isRefined = (v: StoreListView) => v.q !== '' || v.status !== '' || v.sort !== 'newest' || v.page > 1;

/** The page's own query string for a view (defaults left out), e.g. `?q=shop&page=2`; '' for the default. */
export function viewQuery(v: StoreListView, change: Partial<StoreListView> = {}): string {
  const n = { ...v, ...change };
  const p = new URLSearchParams();
  if (n.all) p.set('view', 'all');
  if (n.q) p.set('q', n.q);
  if (n.status) p.set('status', n.status);
  if (n.sort !== 'newest') p.set('sort', n.sort);
  if (n.page > 1) p.set('page', String(n.page));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The API call for a view: GET /stores with search, status, sort, one page by offset, and scope. */
export function apiPath(v: StoreListView): string {
  const p = new URLSearchParams();
  if (v.all) p.set('scope', 'all');
  if (v.q) p.set('q', v.q);
  if (v.status) p.set('status', v.status);
  const s = SORTS[v.sort];
  p.set('sort', s.sort);
  p.set('order', s.order);
  p.set('limit', String(PAGE_SIZE));
  p.set('offset', String((v.page - 1) * PAGE_SIZE));
  return `/stores?${p.toString()}`;
}

/** Pages of a list of `total` stores (at least one). */
export const pageCount = (total: number) => Math.max(1, Math.ceil(total / PAGE_SIZE));
