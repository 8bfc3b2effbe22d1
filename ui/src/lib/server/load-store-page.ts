import { ApiError } from './api-client.ts';
import type { ApiClient } from './api-client.ts';
import type { StoreDetail, StoreEvent, StoreHealth } from '../types.ts';

export type StorePageData = {
  /** The store without its credentials: they are fetched only when the owner asks (Show credentials). */
  store: Omit<StoreDetail, 'credentials'>;
  events: StoreEvent[];
  /** null: the platform has no health endpoint yet, or it did not answer. */
  health: StoreHealth | null;
};

/** Store, timeline and pod health, fetched together; health is optional. */
export async function loadStorePage(api: ApiClient, id: string): Promise<StorePageData> {
  const [detail, events, health] = await Promise.all([
    api.get<StoreDetail>(`/stores/${id}`),
    api.get<{ items: StoreEvent[] }>(`/stores/${id}/events`),
    api.get<StoreHealth>(`/stores/${id}/health`).catch((err: unknown) => {
      if (err instanceof ApiError && err.status !== 401 && err.status !== 403) return null;
      throw err;
    }),
  ]);
  const { credentials: _never, ...store } = detail;
  return { store, events: events.items, health: health && Array.isArray(health.components) ? health : null };
}
