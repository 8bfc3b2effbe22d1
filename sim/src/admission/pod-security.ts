/**
 * Pod Security Standards, as enforced by the Pod Security admission controller
 * (k8s.io/pod-security-admission, policy version "latest"). Reasons and details use the controller's
 * wording, so a message from the sim reads like one from a cluster, e.g.
 *   allowPrivilegeEscalation != false (container "wordpress" must set securityContext.allowPrivilegeEscalation=false)
 *
 * Check order follows the admission controller: checks sorted by ID, baseline checks first, then the
 * restricted ones; at "restricted" the restricted variants replace capabilities_baseline,
 * seccompProfile_baseline and hostPathVolumes (their "overrides").
 * Reference: https://kubernetes.io/docs/concepts/security/pod-security-standards/ and the checks of
 * k8s.io/pod-security-admission/policy (check_*.go). Checks are versioned as upstream's are: "latest"
 * is the cluster's own version (KUBERNETES_MINOR, what /version reports); a namespace's
 * `pod-security.kubernetes.io/enforce-version` picks an older one. Version-dependent rules: the probe /
 * lifecycle `host` check (1.34+), procMount relaxed for user-namespace pods (`hostUsers: false`, 1.35+),
 * the sysctl allow-list (1.27, 1.29, 1.32, 1.37 additions).
 */

/** The Kubernetes minor version the sim's API server reports (v1.33, k3s). */
export const KUBERNETES_MINOR = 33;

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

import { allContainers, podSpecOf, obj, arr, quoted, containersPhrase, joinQuote, type Check, type Container, type Obj } from './pod-security-shared.ts';
import { allowPrivilegeEscalation, capabilitiesRestricted, restrictedVolumes, runAsNonRoot, runAsUser, seccompRestricted } from './pod-security-restricted.ts';

// ---- baseline -------------------------------------------------------------------------------

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** check_appArmorProfile.go: RuntimeDefault / Localhost types; annotations empty, runtime/default or localhost/*. */
const appArmorProfile: Check = (spec, containers, ctx) => {
  const allowedType = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  const setters: string[] = [];
  const values = new Set<string>();
  const podProfile = obj(spec.securityContext).appArmorProfile;
  if (podProfile && !allowedType(obj(podProfile).type)) {
    setters.push('pod');
    values.add(String(obj(podProfile).type ?? ''));
  }
  const names: string[] = [];
  for (const c of containers) {
    const p = c.sc.appArmorProfile;
    if (p && !allowedType(obj(p).type)) {
      names.push(c.name);
      values.add(String(obj(p).type ?? ''));
    }
  }
  if (names.length) setters.push(containersPhrase(names));
  const annotations = Object.entries(ctx.annotations)
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === '' || v === 'runtime/default' || v.startsWith('localhost/')))
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  const list = [...values].sort().concat(annotations);
  if (annotations.length) setters.push(annotations.length === 1 ? 'annotation' : 'annotations');
  if (!setters.length) return undefined;
  return `${list.length === 1 ? 'forbidden AppArmor profile' : 'forbidden AppArmor profiles'} (${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(list)})`;
};

const hostNamespaces: Check = (spec) => {
  const set = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => spec[k] === true);
  return set.length ? `host namespaces (${set.map((k) => `${k}=true`).join(', ')})` : undefined;
};

const hostPorts: Check = (_spec, containers) => {
  const names: string[] = [];
  const ports: number[] = [];
  for (const c of containers) {
    let uses = false;
    for (const p of arr(c.raw.ports)) {
      const hp = obj(p).hostPort;
      if (typeof hp === 'number' && hp !== 0) {
        uses = true;
        if (!ports.includes(hp)) ports.push(hp);
      }
    }
    if (uses) names.push(c.name);
  }
  if (!names.length) return undefined;
  const verb = names.length === 1 ? 'uses' : 'use';
  return `hostPort (${containersPhrase(names)} ${verb} ${ports.length === 1 ? 'hostPort' : 'hostPorts'} ${ports.join(', ')})`;
};

const privileged: Check = (_spec, containers) => {
  const names = containers.filter((c) => c.sc.privileged === true).map((c) => c.name);
  return names.length ? `privileged (${containersPhrase(names)} must not set securityContext.privileged=true)` : undefined;
};

/** check_procMount_baseline.go; from 1.35 a pod in a user namespace (`hostUsers: false`) may set any procMount. */
const unmaskedProcMount = (containers: Container[]): string | undefined => {
  const bad = containers.filter((c) => c.sc.procMount !== undefined && c.sc.procMount !== null && c.sc.procMount !== 'Default');
  if (!bad.length) return undefined;
  const values = [...new Set(bad.map((c) => String(c.sc.procMount)))].sort();
  return `procMount (${containersPhrase(bad.map((c) => c.name))} must not set securityContext.procMount to ${joinQuote(values)})`;
};

const procMount: Check = (spec, containers, ctx) => (ctx.minor >= 35 && spec.hostUsers === false ? undefined : unmaskedProcMount(containers));

/** check_procMount_restricted.go (1.35+): restricted keeps the unconditional check. */
const procMountRestricted: Check = (spec, containers, ctx) => (ctx.minor >= 35 ? unmaskedProcMount(containers) : procMount(spec, containers, ctx));

/** check_hostProbesAndhostLifecycle.go (1.34+): probes and lifecycle handlers must not name a host. */
const hostProbesAndHostLifecycle: Check = (_spec, containers, ctx) => {
  if (ctx.minor < 34) return undefined;
  const names = new Set<string>();
  const hosts = new Set<string>();
  for (const c of containers) {
    const lifecycle = obj(c.raw.lifecycle);
    for (const handler of [c.raw.livenessProbe, c.raw.readinessProbe, c.raw.startupProbe, lifecycle.postStart, lifecycle.preStop]) {
      for (const kind of ['httpGet', 'tcpSocket']) {
        const host = obj(obj(handler)[kind]).host;
        if (typeof host === 'string' && host !== '') {
          names.add(c.name);
          hosts.add(host);
        }
      }
    }
  }
  if (!names.size) return undefined;
  const sortedNames = [...names].sort();
  return `probe or lifecycle host (${containersPhrase(sortedNames)} ${sortedNames.length === 1 ? 'uses' : 'use'} ${hosts.size === 1 ? 'probe or lifecycle host' : 'probe or lifecycle hosts'} ${joinQuote([...hosts].sort())})`;
};

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const seLinuxOptions: Check = (spec, containers) => {
  const bad: string[] = [];
  const describe = (o: Obj): string[] => {
    const f: string[] = [];
    if (o.type !== undefined && !SELINUX_TYPES.has(String(o.type))) f.push(`type ${JSON.stringify(o.type)}`);
    if (o.user !== undefined && o.user !== '') f.push(`user ${JSON.stringify(o.user)}`);
    if (o.role !== undefined && o.role !== '') f.push(`role ${JSON.stringify(o.role)}`);
    return f;
  };
  const pod = describe(obj(obj(spec.securityContext).seLinuxOptions));
  if (pod.length) bad.push(`pod set forbidden securityContext.seLinuxOptions: ${pod.join('; ')}`);
  for (const c of containers) {
    const f = describe(obj(c.sc.seLinuxOptions));
    if (f.length) bad.push(`container ${JSON.stringify(c.name)} set forbidden securityContext.seLinuxOptions: ${f.join('; ')}`);
  }
  return bad.length ? `seLinuxOptions (${bad.join('; ')})` : undefined;
};

/** check_sysctls.go: the safe set grows with the policy version. */
const SYSCTLS_BY_VERSION: readonly [number, readonly string[]][] = [
  [0, ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']],
  [27, ['net.ipv4.ip_local_reserved_ports']],
  [29, ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']],
  [32, ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']],
  [37, ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat']],
];

const sysctls: Check = (spec, _containers, ctx) => {
  const safe = new Set(SYSCTLS_BY_VERSION.filter(([v]) => ctx.minor >= v).flatMap(([, names]) => names));
  const names = arr(obj(spec.securityContext).sysctls)
    .map((s) => String(obj(s).name ?? ''))
    .filter((n) => !safe.has(n));
  return names.length ? `forbidden sysctls (${names.join(', ')})` : undefined;
};

const windowsHostProcess: Check = (spec, containers) => {
  const pod = obj(obj(spec.securityContext).windowsOptions).hostProcess === true;
  const names = containers.filter((c) => obj(c.sc.windowsOptions).hostProcess === true).map((c) => c.name);
  if (!pod && !names.length) return undefined;
  const who = pod && names.length ? `pod and ${containersPhrase(names)}` : pod ? 'pod' : containersPhrase(names);
  return `hostProcess (${who} must not set securityContext.windowsOptions.hostProcess=true)`;
};

const DEFAULT_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

const capabilitiesBaseline: Check = (_spec, containers) => {
  const names: string[] = [];
  const caps: string[] = [];
  for (const c of containers) {
    const extra = arr(obj(c.sc.capabilities).add).map(String).filter((x) => !DEFAULT_CAPABILITIES.has(x));
    if (extra.length) {
      names.push(c.name);
      for (const x of extra) if (!caps.includes(x)) caps.push(x);
    }
  }
  return names.length
    ? `non-default capabilities (${containersPhrase(names)} must not include ${quoted(caps)} in securityContext.capabilities.add)`
    : undefined;
};

const seccompBaseline: Check = (spec, containers) => {
  const bad: string[] = [];
  if (obj(obj(spec.securityContext).seccompProfile).type === 'Unconfined') {
    bad.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
  }
  const names = containers.filter((c) => obj(c.sc.seccompProfile).type === 'Unconfined').map((c) => c.name);
  if (names.length) bad.push(`${containersPhrase(names)} must not set securityContext.seccompProfile.type to "Unconfined"`);
  return bad.length ? `seccompProfile (${bad.join('; ')})` : undefined;
};

const hostPathVolumes: Check = (spec) => {
  const names = arr(spec.volumes)
    .map(obj)
    .filter((v) => v.hostPath !== undefined)
    .map((v) => String(v.name ?? ''));
  return names.length ? `hostPath volumes (${names.length === 1 ? 'volume' : 'volumes'} ${quoted(names)})` : undefined;
};

const BASELINE: Check[] = [
  appArmorProfile, capabilitiesBaseline, hostNamespaces, hostPathVolumes, hostPorts, hostProbesAndHostLifecycle, privileged,
  procMount, seLinuxOptions, seccompBaseline, sysctls, windowsHostProcess,
];
/** At "restricted", capabilities_baseline, hostPathVolumes and seccompProfile_baseline are overridden. */
const RESTRICTED: Check[] = [
  appArmorProfile, hostNamespaces, hostPorts, hostProbesAndHostLifecycle, privileged, seLinuxOptions, sysctls, windowsHostProcess,
  allowPrivilegeEscalation, capabilitiesRestricted, procMountRestricted, restrictedVolumes, runAsNonRoot, runAsUser, seccompRestricted,
];

/** Violations of a Pod Security level; an empty array means the pod is admitted. */
export function checkPodSecurity(pod: unknown, level: PodSecurityLevel, minor: number = KUBERNETES_MINOR): string[] {
  if (level === 'privileged') return [];
  const spec = podSpecOf(pod);
  const containers = allContainers(spec);
  const checks = level === 'restricted' ? RESTRICTED : BASELINE;
  const annotations = spec === obj(pod) ? {} : (obj(obj(obj(pod).metadata).annotations) as Record<string, string>);
  const ctx = { annotations, minor };
  return checks.map((check) => check(spec, containers, ctx)).filter((r): r is string => r !== undefined);
}

/** The policy version a namespace enforces: `pod-security.kubernetes.io/enforce-version` (v1.N or latest). */
export function enforcedVersion(namespaceLabels: Record<string, string> | undefined): number {
  const m = /^v1\.(\d+)$/.exec(namespaceLabels?.['pod-security.kubernetes.io/enforce-version'] ?? '');
  // A version newer than the cluster's own is evaluated as "latest" (the cluster's).
  return m ? Math.min(Number(m[1]), KUBERNETES_MINOR) : KUBERNETES_MINOR;
}

/** Violations of the "restricted" (latest) standard; an empty array means the pod is admitted. */
export function checkPodSecurityRestricted(podSpec: unknown): string[] {
  return checkPodSecurity(podSpec, 'restricted');
}

/**
 * The API server's rejection message, e.g.
 * `pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (...)`.
 */
export function formatPodSecurityError(podName: string, violations: readonly string[], level: PodSecurityLevel = 'restricted', version = 'latest'): string {
  return `pods ${JSON.stringify(podName)} is forbidden: violates PodSecurity "${level}:${version}": ${violations.join(', ')}`;
}

/** The enforced level of a namespace, from its `pod-security.kubernetes.io/enforce` label. */
export function enforcedLevel(namespaceLabels: Record<string, string> | undefined): PodSecurityLevel {
  const v = namespaceLabels?.['pod-security.kubernetes.io/enforce'];
  return v === 'restricted' || v === 'baseline' ? v : 'privileged';
}
