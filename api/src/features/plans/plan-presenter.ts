import type { z } from 'zod';
import type { PlanCatalog } from './plan-catalog.ts';
import type { PlanList } from './plan.schema.ts';
import type { QuotaMode } from './store-quota.ts';

/** Every plan with the sizes it renders (the quota as the store's namespace gets it). */
export function presentPlans(plans: PlanCatalog, quotaMode: QuotaMode): z.infer<typeof PlanList> {
  return {
    items: plans.list().map((p) => ({
      name: p.name,
      title: p.title,
      description: p.description,
      units: p.units,
      wordpress: { requests: { ...p.wordpress.requests }, limits: { ...p.wordpress.limits }, storage: p.wordpress.storage },
      mysql: { requests: { ...p.mysql.requests }, limits: { ...p.mysql.limits }, storage: p.mysql.storage },
      hpaMaxReplicas: p.hpaMaxReplicas,
      resourceQuota: { ...plans.shapeOf(p.name)!.resourceQuota },
      default: p.name === plans.defaultPlan,
    })),
    defaultPlan: plans.defaultPlan,
    quotaMode,
    volumeExpansion: plans.storage.allowVolumeExpansion,
  };
}
