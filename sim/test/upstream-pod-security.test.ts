/**
 * The sim's Pod Security admission against upstream's own fixtures (kubernetes/pod-security-admission
 * test/testdata, transcribed in upstream/pod-security-cases.ts), at policy versions v1.37 and v1.33.
 */
import { describe, expect, it } from 'vitest';
import { checkPodSecurity, type PodSecurityLevel } from '../src/admission/pod-security.ts';
import { mergePatch } from '../src/api-server/patch.ts';
import { BASE_POD, PSA_CASES } from './upstream/pod-security-cases.ts';

/** Upstream check ID (the fixture's name) → the reason the sim writes for it. */
const REASON: Record<string, string> = {
  allowprivilegeescalation: 'allowPrivilegeEscalation != false',
  apparmorprofile: 'forbidden AppArmor profile',
  capabilities_baseline: 'non-default capabilities',
  capabilities_restricted: 'unrestricted capabilities',
  hostnamespaces: 'host namespaces',
  hostpathvolumes: 'hostPath volumes',
  hostports: 'hostPort',
  hostprobesandhostlifecycle: 'probe or lifecycle host',
  privileged: 'privileged',
  procmount: 'procMount',
  procmount_restricted: 'procMount',
  restrictedvolumes: 'restricted volume types',
  runasnonroot: 'runAsNonRoot != true',
  runasuser: 'runAsUser=0',
  seccompprofile_baseline: 'seccompProfile',
  seccompprofile_restricted: 'seccompProfile',
  selinuxoptions: 'seLinuxOptions',
  sysctls: 'forbidden sysctls',
  windowshostprocess: 'hostProcess',
};

describe('Pod Security admission agrees with pod-security-admission test/testdata', () => {
  it.each(PSA_CASES.map(([name, patch]) => ({ name, patch })))('$name', ({ name, patch }) => {
    const [level, version, outcome, file] = name.split('/') as [PodSecurityLevel, string, 'pass' | 'fail', string];
    // At restricted, the restricted variants override capabilities_baseline and hostPathVolumes.
    const OVERRIDES: Record<string, string> = { capabilities_baseline: 'capabilities_restricted', hostpathvolumes: 'restrictedvolumes' };
    const id = file.replace(/\d+$/, '');
    const check = level === 'restricted' ? (OVERRIDES[id] ?? id) : id;
    const pod = mergePatch(structuredClone(BASE_POD[level as 'baseline' | 'restricted']), patch);
    const violations = checkPodSecurity(pod, level, Number(version.slice('v1.'.length)));
    if (outcome === 'pass') expect(violations).toEqual([]);
    else expect(violations.some((v) => v.startsWith(REASON[check] as string))).toBe(true);
  });
});
