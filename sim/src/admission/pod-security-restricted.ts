/** The checks only the "restricted" level runs (k8s.io/pod-security-admission/policy). */
import { arr, containersPhrase, isWindowsPod, obj, quoted, type Check } from './pod-security-shared.ts';

export const allowPrivilegeEscalation: Check = (spec, containers) => {
  if (isWindowsPod(spec)) return undefined;
  const names = containers.filter((c) => c.sc.allowPrivilegeEscalation !== false).map((c) => c.name);
  return names.length
    ? `allowPrivilegeEscalation != false (${containersPhrase(names)} must set securityContext.allowPrivilegeEscalation=false)`
    : undefined;
};

export const capabilitiesRestricted: Check = (spec, containers) => {
  if (isWindowsPod(spec)) return undefined;
  const noDrop: string[] = [];
  const adders: string[] = [];
  const added: string[] = [];
  for (const c of containers) {
    const caps = obj(c.sc.capabilities);
    if (!arr(caps.drop).map(String).includes('ALL')) noDrop.push(c.name);
    const extra = arr(caps.add).map(String).filter((x) => x !== 'NET_BIND_SERVICE');
    if (extra.length) {
      adders.push(c.name);
      for (const x of extra) if (!added.includes(x)) added.push(x);
    }
  }
  const bad: string[] = [];
  if (noDrop.length) bad.push(`${containersPhrase(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adders.length) bad.push(`${containersPhrase(adders)} must not include ${quoted(added)} in securityContext.capabilities.add`);
  return bad.length ? `unrestricted capabilities (${bad.join('; ')})` : undefined;
};

const ALLOWED_VOLUME_SOURCES = new Set([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image',
]);

export const restrictedVolumes: Check = (spec) => {
  const names: string[] = [];
  const types: string[] = [];
  for (const v of arr(spec.volumes).map(obj)) {
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
    const bad = sources.filter((k) => !ALLOWED_VOLUME_SOURCES.has(k));
    if (bad.length) {
      names.push(String(v.name ?? ''));
      for (const t of bad) if (!types.includes(t)) types.push(t);
    }
  }
  if (!names.length) return undefined;
  const subject = `${names.length === 1 ? 'volume' : 'volumes'} ${quoted(names)}`;
  const verb = names.length === 1 ? 'uses' : 'use';
  const what = types.length === 1 ? 'restricted volume type' : 'restricted volume types';
  return `restricted volume types (${subject} ${verb} ${what} ${quoted(types)})`;
};

export const runAsNonRoot: Check = (spec, containers) => {
  const podValue = obj(spec.securityContext).runAsNonRoot;
  const bad: string[] = [];
  if (podValue === false) bad.push('pod must not set securityContext.runAsNonRoot=false');
  const explicitFalse = containers.filter((c) => c.sc.runAsNonRoot === false).map((c) => c.name);
  if (explicitFalse.length) bad.push(`${containersPhrase(explicitFalse)} must not set securityContext.runAsNonRoot=false`);
  if (podValue !== true) {
    const unset = containers.filter((c) => c.sc.runAsNonRoot === undefined || c.sc.runAsNonRoot === null).map((c) => c.name);
    if (unset.length) bad.push(`pod or ${containersPhrase(unset)} must set securityContext.runAsNonRoot=true`);
  }
  return bad.length ? `runAsNonRoot != true (${bad.join('; ')})` : undefined;
};

export const runAsUser: Check = (spec, containers) => {
  const pod = obj(spec.securityContext).runAsUser === 0;
  const names = containers.filter((c) => c.sc.runAsUser === 0).map((c) => c.name);
  if (!pod && !names.length) return undefined;
  const who = pod && names.length ? `pod and ${containersPhrase(names)}` : pod ? 'pod' : containersPhrase(names);
  return `runAsUser=0 (${who} must not set runAsUser=0)`;
};

const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);

export const seccompRestricted: Check = (spec, containers) => {
  if (isWindowsPod(spec)) return undefined;
  const podType = obj(obj(spec.securityContext).seccompProfile).type;
  const bad: string[] = [];
  if (podType !== undefined && !SECCOMP_OK.has(String(podType))) {
    bad.push(`pod must not set securityContext.seccompProfile.type to ${JSON.stringify(podType)}`);
  }
  const badContainers = containers.filter((c) => {
    const t = obj(c.sc.seccompProfile).type;
    return t !== undefined && !SECCOMP_OK.has(String(t));
  });
  for (const c of badContainers) {
    bad.push(`container ${JSON.stringify(c.name)} must not set securityContext.seccompProfile.type to ${JSON.stringify(obj(c.sc.seccompProfile).type)}`);
  }
  if (!SECCOMP_OK.has(String(podType))) {
    const unset = containers.filter((c) => obj(c.sc.seccompProfile).type === undefined).map((c) => c.name);
    if (unset.length) {
      bad.push(`pod or ${containersPhrase(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
  }
  return bad.length ? `seccompProfile (${bad.join('; ')})` : undefined;
};
