import type { RenderableStore } from '../../../../renderer/src/render-store.ts';
import type { StoreModel } from '../../db/models/store-model.ts';

/**
 * The store row as the renderer sees it: the one place that decides which columns reach the store's
 * folder in Git. A column added to the desired state (a plan, a suspension, a domain) is mapped here.
 */
export function toRenderableStore(row: StoreModel, sealedSecrets: Record<string, string>): RenderableStore {
  return { id: row.id, name: row.name, domain: row.domain, ownerId: row.owner_id, sealedSecrets, attempt: row.attempt };
}
