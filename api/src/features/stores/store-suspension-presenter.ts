import type { z } from 'zod';
import type { StoreModel } from '../../db/models/store-model.ts';
import type { Suspension } from './store-suspension.schema.ts';

/** `{suspension}` while the store is suspended, else nothing (spread into the store's presentation). */
export function presentSuspension(s: StoreModel): { suspension?: z.infer<typeof Suspension> } {
  if (!s.suspended_at || !s.suspended_by_kind) return {};
  return {
    suspension: {
      kind: s.suspended_by_kind,
      by: s.suspended_by,
      reason: s.suspension_reason,
      at: new Date(s.suspended_at).toISOString(),
      ownerCanResume: s.suspended_by_kind === 'owner',
    },
  };
}
