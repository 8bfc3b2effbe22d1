import { z } from 'zod';

/** GET /stores/:id/health: pod readiness of the store's WordPress and MySQL; `message` says what is wrong when unhealthy. */
export const StoreHealth = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  components: z.array(
    z.object({ name: z.string(), component: z.string(), ready: z.boolean(), phase: z.string(), restarts: z.number().int(), reason: z.string().nullable() }),
  ),
  message: z.string().optional(),
});
