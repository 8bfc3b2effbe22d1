import type { StoreStatus } from './types.ts';

export type HealthState = 'healthy' | 'starting' | 'unhealthy';

/**
 * How the health panel reads the pods: not ready while the store is still being set up (Pending) is
 * normal, "starting" (neutral); only a store that should be running is "unhealthy" (red).
 */
export function healthState(health: { status: string } | null, status: StoreStatus): HealthState {
  if (health?.status === 'healthy') return 'healthy';
  return status === 'Pending' ? 'starting' : 'unhealthy';
}
