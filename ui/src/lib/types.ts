/** Shapes of the REST API's answers the dashboard uses (see /api/v1/openapi.json). */
import type { z } from 'zod';
import type { StorePhase, StoreStatus } from '../../../api/src/features/stores/store-lifecycle.ts';
import type {
  Quota as QuotaSchema,
  StoreDetail as StoreDetailSchema,
  StoreEvent as StoreEventSchema,
  StoreList as StoreListSchema,
  StoreSummary as StoreSummarySchema,
} from '../../../api/src/features/stores/store.schema.ts';
import type { StoreHealth as StoreHealthSchema } from '../../../api/src/features/provisioning/store-health.schema.ts';
import type { ApiKey as ApiKeySchema } from '../../../api/src/features/api-keys/api-key.schema.ts';
import type { MeResponse } from '../../../api/src/features/auth/auth.schema.ts';
import type { PlanList as PlanListSchema } from '../../../api/src/features/plans/plan.schema.ts';

export type { StorePhase, StoreStatus };

// The API's answers, typed from the zod schemas that also produce its OpenAPI document: a field the
// API adds, renames or drops changes these types, and svelte-check fails where the dashboard disagrees.
export type Quota = z.infer<typeof QuotaSchema>;
export type StoreSummary = z.infer<typeof StoreSummarySchema>;
export type StoreDetail = z.infer<typeof StoreDetailSchema>;
/** GET /stores: a page of stores (with `ownerEmail` in the operators' view), the total and the caller's quota. */
export type StoreListPage = z.infer<typeof StoreListSchema>;
export type StoreEvent = z.infer<typeof StoreEventSchema>;
/** GET /stores/:id/health; `message` says what is wrong when unhealthy. */
export type StoreHealth = z.infer<typeof StoreHealthSchema>;
/** One pod of the store: `component` is wordpress, mysql or setup. */
export type HealthComponent = StoreHealth['components'][number];
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type Me = z.infer<typeof MeResponse>;
/** GET /plans: the plans a store can have, the default one and what the quota counts. */
export type PlanList = z.infer<typeof PlanListSchema>;
export type Plan = PlanList['items'][number];

/** RFC 9457 problem as the API writes it. */
export type Problem = {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string; code?: string }[];
};

/** True while the store is changing by itself: the page polls fast (settled stores slowly). The lifecycle's own rule. */
export { isTransient } from '../../../api/src/features/stores/store-lifecycle.ts';
