/**
 * What the kubelet exports for the pods the sim runs: cAdvisor's container series (/metrics/cadvisor:
 * container_cpu_usage_seconds_total, container_memory_working_set_bytes, one series per running
 * container plus the pod's own cgroup with container="" and image="", as the kubelet's embedded cAdvisor
 * does) and the volume stats of mounted claims (/metrics: kubelet_volume_stats_*). Workloads do not
 * really run, so usage is simulated, deterministic for a container and a moment, and moving: the CPU
 * counter grows at 20–60 % of the request with a slow wobble (never decreasing), memory settles near
 * 35–65 % of the limit, a volume's used bytes grow slowly from a few percent of its capacity.
 */
import type { ClusterStore } from '../cluster-store.ts';
import { parseQuantity } from '../admission/quantity.ts';
import { hashOf } from '../controllers/controller.ts';
import { family, type MetricFamily } from './exposition.ts';

/** A stable fraction in [0, 1) for a name. */
const fraction = (key: string) => parseInt(hashOf(key).slice(0, 8), 16) / 0x1_0000_0000;
const WOBBLE_PERIOD_S = 300;
const omega = (2 * Math.PI) / WOBBLE_PERIOD_S;

type Spec = { name: string; image?: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
type Status = { name: string; image?: string; containerID?: string; state?: { running?: { startedAt?: string } } };

/** CPU seconds used `t` seconds after start at an average `rate` (cores): r·t + (r/2ω)·sin(ωt), monotone. */
export function cpuSeconds(rate: number, t: number): number {
  return rate * t + ((rate / 2) / omega) * Math.sin(omega * t);
}

/** Working set `t` seconds after start: ramps up over a minute to `level`, then wobbles ±5 %. */
export function workingSet(level: number, t: number): number {
  const v = level * Math.min(1, 0.3 + t / 60) * (1 + 0.05 * Math.sin(omega * t * 1.7));
  return Math.round(v / 4096) * 4096;
}

/** Volume bytes used `t` seconds after binding: a few percent of capacity, +4 KiB/s, at most 95 %. */
export function volumeUsed(capacity: number, key: string, t: number): number {
  return Math.round(Math.min(capacity * 0.95, capacity * (0.02 + 0.05 * fraction(key)) + 4096 * t));
}

export function kubeletMetrics(store: ClusterStore, nowMs: number): MetricFamily[] {
  const cpu = family('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed in seconds.');
  const mem = family('container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.');
  const used = family('kubelet_volume_stats_used_bytes', 'gauge', '[ALPHA] Number of used bytes in the volume');
  const capacityF = family('kubelet_volume_stats_capacity_bytes', 'gauge', '[ALPHA] Capacity in bytes of the volume');
  const available = family('kubelet_volume_stats_available_bytes', 'gauge', '[ALPHA] Number of available bytes in the volume');
  const mounted = new Set<string>();
  for (const pod of store.list('v1', 'Pod')) {
    if (pod.status?.phase !== 'Running') continue;
    const namespace = pod.metadata.namespace as string;
    const uid = pod.metadata.uid as string;
    const cgroup = `/kubepods/burstable/pod${uid}`;
    const specs = new Map(((pod.spec?.containers ?? []) as Spec[]).map((c) => [c.name, c]));
    let podCpu = 0;
    let podMem = 0;
    for (const s of (pod.status?.containerStatuses ?? []) as Status[]) {
      const startedAt = s.state?.running?.startedAt;
      if (!startedAt) continue;
      const t = Math.max(0, (nowMs - Date.parse(startedAt)) / 1000);
      const spec = specs.get(s.name);
      const key = `${uid}/${s.name}`;
      const cpuRequest = spec?.resources?.requests?.cpu ? parseQuantity(spec.resources.requests.cpu) : 0.1;
      const memLimit = spec?.resources?.limits?.memory ?? spec?.resources?.requests?.memory;
      const memLevel = (memLimit ? parseQuantity(memLimit) : 256 * 2 ** 20) * (0.35 + 0.3 * fraction(`${key}/mem`));
      const c = cpuSeconds(cpuRequest * (0.2 + 0.4 * fraction(`${key}/cpu`)), t);
      const m = workingSet(memLevel, t);
      podCpu += c;
      podMem += m;
      const id = (s.containerID ?? '').replace(/^[a-z]+:\/\//, '');
      const labels = { container: s.name, id: `${cgroup}/${id}`, image: s.image ?? spec?.image ?? '', name: id, namespace, pod: pod.metadata.name };
      cpu.add({ ...labels, cpu: 'total' }, c);
      mem.add(labels, m);
    }
    const podLabels = { container: '', id: cgroup, image: '', name: '', namespace, pod: pod.metadata.name };
    cpu.add({ ...podLabels, cpu: 'total' }, podCpu);
    mem.add(podLabels, podMem);
    for (const v of (pod.spec?.volumes ?? []) as { persistentVolumeClaim?: { claimName: string } }[]) {
      if (v.persistentVolumeClaim) mounted.add(`${namespace}/${v.persistentVolumeClaim.claimName}`);
    }
  }
  for (const pvc of store.list('v1', 'PersistentVolumeClaim')) {
    const namespace = pvc.metadata.namespace as string;
    if (pvc.status?.phase !== 'Bound' || !mounted.has(`${namespace}/${pvc.metadata.name}`)) continue;
    const size = (pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage) as string | undefined;
    if (!size) continue;
    const capacity = parseQuantity(size);
    const u = volumeUsed(capacity, pvc.metadata.uid as string, Math.max(0, (nowMs - store.createdMs(pvc)) / 1000));
    const labels = { namespace, persistentvolumeclaim: pvc.metadata.name };
    used.add(labels, u);
    capacityF.add(labels, capacity);
    available.add(labels, capacity - u);
  }
  return [cpu, mem, used, capacityF, available];
}

