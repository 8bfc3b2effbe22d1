import { RenderError, type RenderableStore } from '../../../../renderer/src/render-store.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import type { PlanCatalog } from '../plans/plan-catalog.ts';

/**
 * The store row as the renderer sees it: the one place that decides which columns reach the store's
 * folder in Git. A column added to the desired state (a plan, a suspension, a domain) is mapped here.
 * The plan is resolved to its sizes through the operator's plans file; without a catalog (renderer-only
 * callers) the chart's default sizes apply.
 */
export function toRenderableStore(row: StoreModel, sealedSecrets: Record<string, string>, plans?: PlanCatalog): RenderableStore {
  const plan = plans ? plans.shapeOf(row.plan) : undefined;
  if (plans && !plan)
    throw new RenderError(
      `store ${row.id}: plan ${JSON.stringify(row.plan)} is not in the plans file (${plans
        .list()
        .map((p) => p.name)
        .join(', ')})`,
    );
  return {
    id: row.id,
    name: row.name,
    domain: row.domain,
    ownerId: row.owner_id,
    sealedSecrets,
    attempt: row.attempt,
    ...(plan ? { plan } : {}),
    ...(row.suspended_at ? { suspended: true } : {}),
    ...(row.custom_domains?.length ? { customDomains: [...row.custom_domains] } : {}),
    ...(row.primary_domain ? { primaryDomain: row.primary_domain } : {}),
  };
}
