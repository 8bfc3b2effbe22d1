import { z } from 'zod';

/** A plan's name, as the plans file spells them; whether it exists is checked against the file. */
export const PlanName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,29}$/, 'A plan name is lower-case letters, digits and hyphens (GET /plans lists them).')
  .describe('A plan name from GET /plans (small, medium, large by default)');

export const ChangePlanBody = z.strictObject({
  /** The plan the store should have. */
  plan: PlanName,
});
export type ChangePlanInput = z.infer<typeof ChangePlanBody>;

const Compute = z.object({ cpu: z.string(), memory: z.string() });
const Component = z.object({
  requests: Compute,
  limits: Compute,
  storage: z.string().describe('Size of the volume; it only grows'),
});

/** One plan as GET /plans shows it. */
export const PlanView = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  units: z.number().int().describe('What a store on this plan counts against its owner’s quota when the quota counts units'),
  wordpress: Component.describe('Each WordPress pod, and the WordPress content volume'),
  mysql: Component.describe('The MySQL pod and its data volume'),
  hpaMaxReplicas: z.number().int().describe('Most WordPress pods under load'),
  resourceQuota: z.record(z.string(), z.string()).describe('The store namespace’s ResourceQuota (hard limits)'),
  default: z.boolean().describe('A store created without a plan gets this one'),
});

export const PlanList = z.object({
  items: z.array(PlanView),
  defaultPlan: z.string(),
  quotaMode: z.enum(['stores', 'units']).describe('What the per-user quota counts (QUOTA_MODE)'),
  volumeExpansion: z.boolean().describe('Whether the platform’s StorageClass lets a plan change grow volumes'),
});
