/** Shapes of the REST API's answers the dashboard uses (see /api/v1/openapi.json). */
import type { StorePhase, StoreStatus } from '../../../api/src/features/stores/store-lifecycle.ts';

export type { StorePhase, StoreStatus };

export type Quota = { limit: number; used: number };

export type StoreSummary = {
  id: string;
  name: string;
  domain: string;
  status: StoreStatus;
  phase: StorePhase;
  message: string | null;
  url?: string;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
};

export type StoreDetail = StoreSummary & {
  adminUrl?: string;
  commitSha: string | null;
  readyAt: string | null;
  credentials?: { username: string; password: string };
};

export type StoreEvent = { id: number; status: string; phase: string; reason: string; message: string | null; at: string };

/** One pod of the store: `component` is wordpress, mysql or setup. */
export type HealthComponent = { name: string; component?: string; ready: boolean; phase: string; restarts: number; reason: string | null };

/** GET /stores/:id/health; `message` says what is wrong when unhealthy. */
export type StoreHealth = { status: 'healthy' | 'unhealthy'; components: HealthComponent[]; message?: string };

export type ApiKey = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null };

export type Me = { id: string; email: string; role: 'user' | 'operator'; createdAt: string; quota: Quota };

/** RFC 9457 problem as the API writes it. */
export type Problem = {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string; code?: string }[];
};

/** True while the store is changing by itself: the page polls fast (settled stores slowly). */
export const isTransient = (s: { status: StoreStatus }) => s.status === 'Pending' || s.status === 'Deleting';
