import type { PlanCatalog } from './plan-catalog.ts';

/** What a user's quota counts: stores (each is 1) or plan units (each store counts its plan's units). */
export type QuotaMode = 'stores' | 'units';

/** What one store on `plan` counts against its owner's quota. A plan no longer in the file counts 1 unit. */
export function quotaWeight(mode: QuotaMode, plans: PlanCatalog, plan: string): number {
  return mode === 'units' ? (plans.find(plan)?.units ?? 1) : 1;
}

/** Each plan's units, for a count done in SQL (a plan not listed counts 1, as above); null when every store counts 1. */
export function quotaWeights(mode: QuotaMode, plans: PlanCatalog): Record<string, number> | null {
  return mode === 'units' ? Object.fromEntries(plans.list().map((p) => [p.name, p.units])) : null;
}

/** The quota used by stores on these plans. */
export function quotaUsed(mode: QuotaMode, plans: PlanCatalog, storePlans: readonly string[]): number {
  return storePlans.reduce((sum, plan) => sum + quotaWeight(mode, plans, plan), 0);
}

/** "3 stores" / "1 plan unit", for refusals. */
export function quotaAmount(mode: QuotaMode, n: number): string {
  const noun = mode === 'units' ? 'plan unit' : 'store';
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
