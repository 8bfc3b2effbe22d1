import type { V1Pod } from '@kubernetes/client-node';

export type ComponentHealth = { name: string; component: string; ready: boolean; phase: string; restarts: number; reason: string | null };

/** Pod list → per-pod health and a list of human-readable problems (`wordpress-abc: CrashLoopBackOff`). */
export function describePods(pods: V1Pod[]): { components: ComponentHealth[]; problems: string[] } {
  const components: ComponentHealth[] = [];
  const problems: string[] = [];
  for (const p of pods) {
    const statuses = p.status?.containerStatuses ?? [];
    const waiting = statuses.map((c) => c.state?.waiting?.reason).find(Boolean);
    const terminated = statuses.map((c) => c.state?.terminated?.reason).find(Boolean);
    const readyCond = p.status?.conditions?.find((c) => c.type === 'Ready');
    const component = p.metadata?.labels?.['app.kubernetes.io/component'] ?? 'unknown';
    const phase = p.status?.phase ?? 'Unknown';
    const ready = component === 'setup' ? phase === 'Succeeded' : readyCond?.status === 'True';
    const reason = waiting ?? terminated ?? (ready ? null : (readyCond?.reason ?? p.status?.reason ?? null));
    const c = {
      name: p.metadata?.name ?? '?',
      component,
      ready,
      phase,
      restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
      reason: reason ?? null,
    };
    components.push(c);
    if (!ready && component !== 'setup') problems.push(`${c.name}: ${reason ?? phase}`);
    if (component === 'setup' && phase === 'Failed') problems.push(`${c.name}: setup job failed`);
  }
  return { components, problems };
}
