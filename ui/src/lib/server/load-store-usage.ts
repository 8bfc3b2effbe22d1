import { ApiError } from './api-client.ts';
import type { ApiClient } from './api-client.ts';
import { USAGE_RANGES, type StoreUsageView, type UsageRange } from '../usage-chart.ts';

/** A `?range=` of the page, or the default 1h for anything else. */
export function usageRange(value: string | null): UsageRange {
  return (USAGE_RANGES as readonly string[]).includes(value ?? '') ? (value as UsageRange) : '1h';
}

/**
 * The store's usage for the charts. Never fails the page: a Prometheus that does not answer (503) or any
 * other refusal is `unavailable`; only a lost session is thrown, as for the rest of the page.
 */
export async function loadStoreUsage(api: ApiClient, id: string, range: UsageRange): Promise<StoreUsageView> {
  try {
    return await api.get<StoreUsageView>(`/stores/${id}/usage?range=${range}`);
  } catch (err) {
    if (err instanceof ApiError && err.status !== 401) {
      return { monitoring: 'unavailable', message: err.status === 503 ? 'Usage cannot be read from monitoring right now. Try again in a minute.' : 'Usage is not available for this store.' };
    }
    throw err;
  }
}
