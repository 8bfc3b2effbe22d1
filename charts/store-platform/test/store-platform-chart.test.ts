/**
 * charts/store-platform with the real helm: every ci scenario and the cluster's own values
 * (argocd/values/store-platform.yaml) render, lint clean, validate strictly against Kubernetes and the
 * CRDs (CloudNativePG, Sealed Secrets, prometheus-operator), meet Pod Security "restricted", and give
 * the platform a configuration its own config parser accepts.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../api/src/config/config.ts';
import { HelmError, lintChart, renderChartText } from '../../test/render-chart.ts';
import { undocumentedValues, valuesTable, VALUES_END, VALUES_START } from '../../test/values-doc.ts';
import { parseManifests, podSecurityViolations, repoRoot, validateManifest, type K8sObject } from '../../../argocd/test/support/cluster-manifests.ts';

type Obj = Record<string, any>;
const chartDir = join(repoRoot, 'charts', 'store-platform');
const ciDir = join(chartDir, 'ci');
const clusterValues = join(repoRoot, 'argocd', 'values', 'store-platform.yaml');
const RELEASE = 'store-platform';

const scenarios = new Map<string, K8sObject[]>();
let scenarioFiles: string[] = [];

function sc(name: string): K8sObject[] {
  const s = scenarios.get(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}
function find(objects: readonly K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}
function one(objects: readonly K8sObject[], kind: string, name?: string): Obj {
  const f = find(objects, kind, name);
  if (f.length !== 1) throw new Error(`expected one ${kind}${name ? `/${name}` : ''}, found ${f.length}`);
  return f[0] as Obj;
}
const render = async (files: string[], set: Record<string, string> = {}) => parseManifests(await renderChartText({ chartDir, releaseName: RELEASE, valuesFiles: files, set }));
const renderError = (files: string[], set: Record<string, string> = {}) => render(files, set).then(() => '', (e: unknown) => (e as HelmError).stderr ?? String(e));

beforeAll(async () => {
  scenarioFiles = (await readdir(ciDir)).filter((f) => f.endsWith('-values.yaml')).sort();
  for (const f of scenarioFiles) scenarios.set(f.replace(/-values\.yaml$/, ''), await render([join(ciDir, f)]));
  scenarios.set('cluster', await render([clusterValues]));
});

describe('store-platform chart', () => {
  it('has its ci scenarios, and every value carries a # -- comment', async () => {
    expect(scenarioFiles).toEqual(['cnpg-sealed-values.yaml', 'external-db-values.yaml', 'fixed-replicas-values.yaml']);
    const valuesYaml = await readFile(join(chartDir, 'values.yaml'), 'utf8');
    expect(undocumentedValues(valuesYaml)).toEqual([]);
    const readme = await readFile(join(chartDir, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf(VALUES_START) + VALUES_START.length, readme.indexOf(VALUES_END)).trim();
    expect(table, 'README values table: regenerate with withValuesTable (charts/test/values-doc.ts)').toBe(valuesTable(valuesYaml));
  });

  it('lints clean with --strict for every scenario', async () => {
    for (const f of [...scenarioFiles.map((x) => join(ciDir, x)), clusterValues]) {
      const out = await lintChart({ chartDir, valuesFiles: [f] });
      expect(out, f).toContain('0 chart(s) failed');
      expect(out, f).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it('renders only objects that validate strictly against Kubernetes and the CRDs', () => {
    for (const [name, objects] of scenarios) {
      expect(objects.length, name).toBeGreaterThan(10);
      for (const o of objects) expect(validateManifest(o), `${name}: ${o.kind}/${o.metadata.name}`).toEqual([]);
    }
  });

  it('the validator refuses a misspelled field, so the check above can fail', () => {
    const d = structuredClone(one(sc('cluster'), 'Deployment', `${RELEASE}-api`));
    d.spec.template.spec.containers[0].readinesProbe = d.spec.template.spec.containers[0].readinessProbe;
    expect(validateManifest(d as K8sObject).join()).toContain('readinesProbe');
    const c = structuredClone(one(sc('cluster'), 'Cluster'));
    c.spec.instance = 3;
    expect(validateManifest(c as K8sObject).join()).toContain('.instance: field not declared');
  });

  it('every pod template meets Pod Security restricted', () => {
    for (const [name, objects] of scenarios) expect(podSecurityViolations(objects), name).toEqual({});
  });

  it('runs the API with at least 2 replicas, an HPA, a PDB, /readyz and /healthz probes and a graceful stop', () => {
    const objects = sc('cluster');
    const api = one(objects, 'Deployment', `${RELEASE}-api`);
    const pod = api.spec.template.spec;
    const c = pod.containers[0];
    expect(api.spec.replicas).toBeUndefined(); // the HPA owns it
    const hpa = one(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef.name).toBe(api.metadata.name);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const pdb = find(objects, 'PodDisruptionBudget').find((p: Obj) => p.spec.selector.matchLabels['app.kubernetes.io/component'] === 'api') as Obj;
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.selector.matchLabels).toEqual(api.spec.selector.matchLabels);
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5);
    expect(api.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(c.env.find((e: Obj) => e.name === 'ROLES').value).toBe('api');
    const fixed = one(sc('fixed-replicas'), 'Deployment', `${RELEASE}-api`);
    expect(fixed.spec.replicas).toBe(3);
    expect(find(sc('fixed-replicas'), 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('refuses fewer than 2 API replicas', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sp-values-'));
    try {
      const file = join(dir, 'one.yaml');
      await writeFile(file, 'api:\n  replicas: 1\n  autoscaling:\n    minReplicas: 1\n');
      const err = await renderError([clusterValues, file]);
      expect(err).toContain("at '/api/replicas'");
      expect(err).toContain("at '/api/autoscaling/minReplicas'");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs workers that finish their jobs on SIGTERM and expose /metrics to Prometheus only', () => {
    const objects = sc('cluster');
    const w = one(objects, 'Deployment', `${RELEASE}-worker`);
    const c = w.spec.template.spec.containers[0];
    expect(c.env.find((e: Obj) => e.name === 'ROLES').value).toBe('worker,api');
    expect(w.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    const svc = one(objects, 'Service', `${RELEASE}-worker-metrics`);
    expect(svc.spec.clusterIP).toBe('None');
    // The user-facing Service and Ingress reach the API pods only.
    expect(one(objects, 'Service', `${RELEASE}-api`).spec.selector['app.kubernetes.io/component']).toBe('api');
  });

  it('gives the platform an environment its own config parser accepts, naming only variables it reads', async () => {
    const configSource = await readFile(join(repoRoot, 'api', 'src', 'config', 'config.ts'), 'utf8');
    const envSchema = configSource.slice(configSource.indexOf('const EnvSchema'), configSource.indexOf('export type Config'));
    const known = new Set([...envSchema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!));
    known.add('HOME'); // read by git, not by the platform
    expect(known.size).toBeGreaterThan(30);
    for (const [name, objects] of scenarios) {
      for (const d of find(objects, 'Deployment')) {
        const env: Obj[] = (d as Obj).spec.template.spec.containers[0].env;
        const unknown = env.map((e) => e.name).filter((n) => !known.has(n));
        expect(unknown, `${name}: ${d.metadata.name}`).toEqual([]);
        // What the Secret would hold, in the shapes the platform requires.
        const fromSecret: Record<string, string> = { DATABASE_URL: 'postgresql://app:pw@store-platform-db-rw.store-platform:5432/app', JWT_SECRET: 'j'.repeat(40), SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'), GITOPS_TOKEN: 'ghp_x', GITHUB_TOKEN: 'ghp_y' };
        const vars = Object.fromEntries(env.map((e) => [e.name, e.value ?? fromSecret[e.name]]));
        const config = loadConfig(vars);
        expect(config.nodeEnv).toBe('production');
        expect(config.gitops.repo, name).toMatch(/^https:\/\//);
      }
    }
  });

  it('runs the migrations as an Argo CD hook Job: PreSync with an external database, after the CNPG Cluster otherwise', () => {
    const ext = sc('external-db');
    const job = one(ext, 'Job', `${RELEASE}-migrate`);
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
    expect(job.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    expect(job.spec.template.spec.containers[0].command).toEqual(['node', 'scripts/migrate.ts']);
    expect(job.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef).toEqual({ name: 'store-platform-env', key: 'DATABASE_URL' });
    expect(find(ext, 'Cluster')).toEqual([]);

    const cnpg = sc('cnpg-sealed');
    const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    const cjob = one(cnpg, 'Job', `${RELEASE}-migrate`);
    const cluster = one(cnpg, 'Cluster');
    expect(cjob.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(wave(cluster)).toBeLessThan(wave(cjob));
    for (const d of find(cnpg, 'Deployment')) expect(wave(d as Obj)).toBeGreaterThan(wave(cjob));
    // CNPG's app Secret carries the URI; the Job and every Deployment read it.
    const ref = { name: `${cluster.metadata.name}-app`, key: 'uri' };
    expect(cjob.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef).toEqual(ref);
    for (const d of find(cnpg, 'Deployment')) expect((d as Obj).spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef).toEqual(ref);
  });

  it('takes secrets from an existing Secret or a SealedSecret, and refuses neither', async () => {
    const sealed = one(sc('cnpg-sealed'), 'SealedSecret');
    expect(Object.keys(sealed.spec.encryptedData).sort()).toEqual(['GITOPS_TOKEN', 'JWT_SECRET', 'SECRETS_ENCRYPTION_KEY']);
    expect(sealed.spec.template.metadata.name).toBe(sealed.metadata.name);
    expect(find(sc('external-db'), 'SealedSecret')).toEqual([]);
    expect(find(sc('cluster'), 'Secret')).toEqual([]); // never a plain Secret from the chart
    expect(await renderError([])).toContain("missing properties 'JWT_SECRET', 'SECRETS_ENCRYPTION_KEY'");
    // An external database with sealed secrets: the sealed data must carry DATABASE_URL.
    const dir = await mkdtemp(join(tmpdir(), 'sp-values-'));
    try {
      const file = join(dir, 'external.yaml');
      await writeFile(file, 'database:\n  cnpg:\n    enabled: false\n');
      expect(await renderError([join(ciDir, 'cnpg-sealed-values.yaml'), file])).toContain("missing property 'DATABASE_URL'");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad values through values.schema.json', async () => {
    const err = await renderError([clusterValues], { 'ingress.host': 'Not A Host', 'config.gitopsMode': 'fax', 'image.digest': 'md5:abc' });
    expect(err).toContain("at '/ingress/host'");
    expect(err).toContain("at '/config/gitopsMode'");
    expect(err).toContain("at '/image/digest'");
  });

  it('binds a ServiceAccount that reads pods and namespaces and may only get/list/watch/patch Applications in the Argo CD namespace', () => {
    const objects = sc('cluster');
    const cr = one(objects, 'ClusterRole');
    expect(cr.rules).toEqual([{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }]);
    const roles = find(objects, 'Role') as Obj[];
    const apps = roles.find((r) => r.metadata.namespace === 'argocd')!;
    expect(apps.rules).toEqual([{ apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['get', 'list', 'watch', 'patch'] }]);
    const sealing = roles.find((r) => r.metadata.namespace === 'kube-system')!;
    expect(sealing.rules).toEqual([{ apiGroups: [''], resources: ['services/proxy'], resourceNames: ['sealed-secrets-controller', 'http:sealed-secrets-controller:'], verbs: ['get'] }]);
    const sa = one(objects, 'ServiceAccount').metadata.name;
    for (const b of [...find(objects, 'RoleBinding'), ...find(objects, 'ClusterRoleBinding')] as Obj[]) expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: 'default' }]);
    for (const d of find(objects, 'Deployment') as Obj[]) expect(d.spec.template.spec.serviceAccountName).toBe(sa);
    expect(JSON.stringify([cr, ...roles])).not.toContain('"*"');
  });

  it('exposes HTTPS through an Ingress with a cert-manager certificate', () => {
    const ing = one(sc('cluster'), 'Ingress');
    expect(ing.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
    expect(ing.spec.ingressClassName).toBe('traefik');
    expect(ing.spec.tls).toEqual([{ hosts: ['platform.example.com'], secretName: `${RELEASE}-tls` }]);
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: `${RELEASE}-api`, port: { name: 'http' } });
    expect(find(sc('fixed-replicas'), 'Ingress')).toEqual([]);
  });

  it('scrapes both Services with job="store-platform" and ships the alerts file as its PrometheusRule', async () => {
    const objects = sc('cluster');
    const sm = one(objects, 'ServiceMonitor');
    const services = find(objects, 'Service') as Obj[];
    const matched = services.filter((s) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels[k] === v) && sm.spec.selector.matchExpressions[0].values.includes(s.metadata.labels['app.kubernetes.io/component']));
    expect(matched.map((s) => s.metadata.name).sort()).toEqual([`${RELEASE}-api`, `${RELEASE}-worker-metrics`]);
    for (const s of matched) expect(s.metadata.labels[sm.spec.jobLabel]).toBe('store-platform');
    for (const s of matched) expect(s.spec.ports.map((p: Obj) => p.name)).toContain(sm.spec.endpoints[0].port);
    const rule = one(objects, 'PrometheusRule');
    expect(rule.spec).toEqual(parse(await readFile(join(chartDir, 'files', 'platform-alerts.yaml'), 'utf8')));
    expect(find(sc('fixed-replicas'), 'ServiceMonitor')).toEqual([]);
  });

  it('restricts the platform pods with a NetworkPolicy that still admits the ingress controller, Prometheus and the helm test', () => {
    const objects = sc('cluster');
    const np = one(objects, 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    for (const d of find(objects, 'Deployment') as Obj[]) {
      const labels = d.spec.template.metadata.labels;
      expect(Object.entries(np.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v), d.metadata.name).toBe(true);
    }
    const from = np.spec.ingress[0].from.map((f: Obj) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? f.podSelector?.matchLabels?.['app.kubernetes.io/component']);
    expect(from).toEqual(['kube-system', 'monitoring', 'test']);
    const test = one(objects, 'Pod');
    expect(test.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'test', 'argocd.argoproj.io/hook': 'Skip' });
    expect(test.spec.containers[0].command.join(' ')).toContain(`http://${RELEASE}-api:80/readyz`);
  });

  it('passes PROMETHEUS_URL and lets the pods reach Prometheus only when it is set', async () => {
    const egressTo = (objects: K8sObject[]) => (one(objects, 'NetworkPolicy').spec.egress as Obj[]).filter((e) => e.to?.[0]?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring').map((e) => e.ports);
    const envOf = (objects: K8sObject[]) => (find(objects, 'Deployment') as Obj[]).map((d) => d.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'PROMETHEUS_URL')?.value);
    expect(envOf(sc('cluster'))).toEqual(['http://kube-prometheus-stack-prometheus.monitoring.svc:9090', 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090']);
    expect(egressTo(sc('cluster'))).toEqual([[{ protocol: 'TCP', port: 9090 }]]);
    const https = await render([join(ciDir, 'external-db-values.yaml')], { 'config.prometheusUrl': 'https://prometheus.example.net' });
    expect(egressTo(https)).toEqual([[{ protocol: 'TCP', port: 443 }]]);
    expect(envOf(sc('external-db')).every((v) => v === undefined)).toBe(true);
    expect(egressTo(sc('external-db'))).toEqual([]);
    expect(await renderError([join(ciDir, 'external-db-values.yaml')], { 'config.prometheusUrl': 'prometheus:9090' })).toMatch(/prometheusUrl/);
  });

  it('keeps the selector labels free of the chart version', () => {
    for (const d of find(sc('cluster'), 'Deployment') as Obj[]) {
      expect(Object.keys(d.spec.selector.matchLabels).sort()).toEqual(['app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/name']);
    }
  });
});
