import { describe, expect, it } from 'vitest';
import {
  checkPodSecurity,
  checkPodSecurityRestricted,
  enforcedLevel,
  formatPodSecurityError,
} from './pod-security.ts';

const restrictedContainer = (name: string) => ({
  name,
  image: 'wordpress:6',
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  },
});

describe('checkPodSecurityRestricted', () => {
  it('admits a pod that meets the restricted standard', () => {
    expect(checkPodSecurityRestricted({ containers: [restrictedContainer('wordpress')] })).toEqual([]);
  });

  it('accepts pod-level runAsNonRoot and seccompProfile for all containers', () => {
    const spec = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'a', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'x' } }, { name: 'tmp', emptyDir: {} }],
    };
    expect(checkPodSecurityRestricted(spec)).toEqual([]);
  });

  it('lists every violation of a bare container in the admission controller wording and order', () => {
    expect(checkPodSecurityRestricted({ containers: [{ name: 'wordpress', image: 'wordpress:6' }] })).toEqual([
      'allowPrivilegeEscalation != false (container "wordpress" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (container "wordpress" must set securityContext.capabilities.drop=["ALL"])',
      'runAsNonRoot != true (pod or container "wordpress" must set securityContext.runAsNonRoot=true)',
      'seccompProfile (pod or container "wordpress" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ]);
  });

  it('refuses a privileged container, baseline checks first', () => {
    const c = restrictedContainer('wordpress');
    const spec = { containers: [{ ...c, securityContext: { ...c.securityContext, privileged: true } }] };
    expect(checkPodSecurityRestricted(spec)).toEqual([
      'privileged (container "wordpress" must not set securityContext.privileged=true)',
    ]);
  });

  it('pluralises containers, covers init containers and names added capabilities', () => {
    const spec = {
      initContainers: [{ name: 'init', image: 'x' }],
      containers: [
        { ...restrictedContainer('a'), securityContext: { ...restrictedContainer('a').securityContext, capabilities: { drop: ['ALL'], add: ['SYS_TIME'] } } },
      ],
    };
    const v = checkPodSecurityRestricted(spec);
    expect(v[0]).toBe('allowPrivilegeEscalation != false (container "init" must set securityContext.allowPrivilegeEscalation=false)');
    expect(v[1]).toBe(
      'unrestricted capabilities (container "init" must set securityContext.capabilities.drop=["ALL"]; container "a" must not include "SYS_TIME" in securityContext.capabilities.add)',
    );
    const two = checkPodSecurityRestricted({ containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }] });
    expect(two[0]).toBe('allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false)');
  });

  it('refuses host namespaces, host ports, hostPath volumes, root user and unconfined seccomp', () => {
    const c = restrictedContainer('web');
    const spec = {
      hostNetwork: true,
      securityContext: { runAsUser: 0 },
      containers: [{ ...c, ports: [{ containerPort: 80, hostPort: 80 }], securityContext: { ...c.securityContext, seccompProfile: { type: 'Unconfined' } } }],
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
    };
    expect(checkPodSecurityRestricted(spec)).toEqual([
      'host namespaces (hostNetwork=true)',
      'hostPort (container "web" uses hostPort 80)',
      'restricted volume types (volume "host" uses restricted volume type "hostPath")',
      'runAsUser=0 (pod must not set runAsUser=0)',
      'seccompProfile (container "web" must not set securityContext.seccompProfile.type to "Unconfined")',
    ]);
  });

  it('takes a whole Pod or pod template as well as a PodSpec', () => {
    expect(checkPodSecurityRestricted({ metadata: {}, spec: { containers: [restrictedContainer('x')] } })).toEqual([]);
    expect(checkPodSecurityRestricted({ spec: { containers: [{ name: 'x', image: 'y' }] } })).toHaveLength(4);
  });
});

describe('checkPodSecurity levels', () => {
  it('baseline allows a non-root-less pod but not a privileged one; privileged allows all', () => {
    expect(checkPodSecurity({ containers: [{ name: 'x', image: 'y' }] }, 'baseline')).toEqual([]);
    const priv = { containers: [{ name: 'x', image: 'y', securityContext: { privileged: true } }] };
    expect(checkPodSecurity(priv, 'baseline')).toEqual(['privileged (container "x" must not set securityContext.privileged=true)']);
    expect(checkPodSecurity(priv, 'privileged')).toEqual([]);
  });

  it('reads the enforced level from the namespace label', () => {
    expect(enforcedLevel({ 'pod-security.kubernetes.io/enforce': 'restricted' })).toBe('restricted');
    expect(enforcedLevel({})).toBe('privileged');
    expect(enforcedLevel(undefined)).toBe('privileged');
  });
});

describe('formatPodSecurityError', () => {
  it('formats the API server rejection', () => {
    expect(formatPodSecurityError('web-1', ['a (x)', 'b (y)'])).toBe(
      'pods "web-1" is forbidden: violates PodSecurity "restricted:latest": a (x), b (y)',
    );
  });
});
