/**
 * argocd/: every manifest (kustomizations built with the real kubectl) validates strictly against the
 * Kubernetes schema and the CRDs of Argo CD, cert-manager, prometheus-operator, Sealed Secrets and k3s;
 * the add-ons are pinned and point at files that exist; the logging and metrics settings do what the
 * runbook promises. Loki and Fluent Bit do not run here: their configuration is checked as data.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { STORE_ID_LABEL, OWNER_LABEL } from '../../renderer/src/render-store.ts';
import { kustomize, parseManifests, repoRoot, validateManifest, type K8sObject } from './support/cluster-manifests.ts';

type Obj = Record<string, any>;
const argocd = join(repoRoot, 'argocd');
const PLATFORM_REPO = 'https://github.com/store-platform/store-platform.git';
const EXACT_VERSION = /^v?\d+\.\d+\.\d+$/;

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return f.endsWith('.yaml') && f !== 'kustomization.yaml' ? [p] : [];
  });
const values = (file: string): Obj => parse(readFileSync(join(argocd, 'values', file), 'utf8'));

let bootstrap: K8sObject[];
let monitoring: K8sObject[];
let apps: Obj[];
let issuers: K8sObject[];
let traefik: K8sObject[];
/** The argocd-apps chart's values, as the AppProject / Application objects that chart renders from them. */
let appsChartObjects: K8sObject[];

beforeAll(async () => {
  bootstrap = await kustomize(join(argocd, 'bootstrap'));
  monitoring = await kustomize(join(argocd, 'manifests', 'monitoring'));
  apps = yamlFiles(join(argocd, 'apps')).flatMap((f) => parseManifests(readFileSync(f, 'utf8'))) as Obj[];
  issuers = yamlFiles(join(argocd, 'manifests', 'cluster-issuers')).flatMap((f) => parseManifests(readFileSync(f, 'utf8')));
  traefik = yamlFiles(join(argocd, 'manifests', 'traefik')).flatMap((f) => parseManifests(readFileSync(f, 'utf8')));
  const chart = bootstrap.find((o) => o.metadata.name === 'argocd-apps') as Obj;
  const v = parse(chart.spec.valuesContent) as { projects: Obj; applications: Obj };
  // argo-helm argocd-apps 2.0.5 templates: name from the key; namespace, finalizers, labels and
  // annotations into metadata; every other field into spec.
  const toObject = (kind: string) => ([name, { namespace, finalizers, additionalLabels, additionalAnnotations, ...spec }]: [string, Obj]) =>
    ({ apiVersion: 'argoproj.io/v1alpha1', kind, metadata: { name, namespace, finalizers, labels: additionalLabels, annotations: additionalAnnotations }, spec }) as unknown as K8sObject;
  appsChartObjects = [...Object.entries(v.projects).map(toObject('AppProject')), ...Object.entries(v.applications).map(toObject('Application'))];
});

describe('argocd/ bootstrap', () => {
  it('is one kustomization: the argocd Namespace and k3s HelmCharts for Argo CD and argocd-apps, pinned', () => {
    expect(bootstrap.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/argocd', 'HelmChart/argocd', 'HelmChart/argocd-apps']);
    const charts = bootstrap.filter((o) => o.kind === 'HelmChart') as Obj[];
    expect(charts.map((c) => [c.spec.chart, c.spec.version])).toEqual([['argo-cd', '10.1.1'], ['argocd-apps', '2.0.5']]);
    for (const c of charts) expect(c.spec).toMatchObject({ repo: 'https://argoproj.github.io/argo-helm', targetNamespace: 'argocd' });
  });

  it('validates every manifest under argocd/ strictly, including what the charts render from the bootstrap values', () => {
    const all = [...bootstrap, ...monitoring, ...(apps as K8sObject[]), ...issuers, ...traefik, ...appsChartObjects];
    expect(all.length).toBeGreaterThanOrEqual(22);
    for (const o of all) expect(validateManifest(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
    // ... and the check can fail.
    const bad = structuredClone(apps[0]!);
    bad.spec.syncPolicy.automated.prunee = true;
    expect(validateManifest(bad as K8sObject).join()).toContain('prunee');
  });

  it('configures Argo CD for TLS at Traefik, app health for the waves, and controller metrics (argocd_app_info)', () => {
    const v = parse((bootstrap.find((o) => o.kind === 'HelmChart' && o.metadata.name === 'argocd') as Obj).spec.valuesContent);
    expect(v.configs.params['server.insecure']).toBe(true);
    expect(v.configs.cm['resource.customizations.health.argoproj.io_Application']).toContain('obj.status.health.status');
    expect(v.controller.metrics).toEqual({ enabled: true, serviceMonitor: { enabled: true } });
    expect(v.server.ingress).toMatchObject({ enabled: true, ingressClassName: 'traefik', tls: true });
  });

  it('creates the AppProject platform and the root app-of-apps over argocd/apps', () => {
    const [project, root] = appsChartObjects as Obj[];
    expect(project!.metadata.name).toBe('platform');
    expect(root!.metadata.name).toBe('platform-root');
    expect(root!.spec).toMatchObject({ project: 'platform', source: { repoURL: PLATFORM_REPO, path: 'argocd/apps' }, syncPolicy: { automated: { prune: true, selfHeal: true } } });
    expect(existsSync(join(repoRoot, root!.spec.source.path))).toBe(true);
    // Every source an add-on uses is allowed by the project.
    const allowed = new Set(project!.spec.sourceRepos);
    for (const a of apps) for (const s of a.spec.sources ?? [a.spec.source]) expect(allowed.has(s.repoURL), `${a.metadata.name}: ${s.repoURL}`).toBe(true);
  });
});

describe('argocd/apps add-ons', () => {
  it('has each add-on once, in project platform, with exact chart versions and existing paths and value files', () => {
    const names = apps.map((a) => a.metadata.name).sort();
    expect(names).toEqual(['argo-cd', 'cert-manager', 'cloudnative-pg', 'cluster-issuers', 'fluent-bit', 'kube-prometheus-stack', 'loki', 'monitoring', 'sealed-secrets', 'store-platform', 'stores-gitops', 'traefik-config']);
    for (const a of apps) {
      expect(a.spec.project, a.metadata.name).toBe('platform');
      expect(a.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
      for (const s of a.spec.sources ?? [a.spec.source]) {
        if (s.chart) expect(s.targetRevision, `${a.metadata.name}: ${s.chart}`).toMatch(EXACT_VERSION);
        if (s.repoURL === PLATFORM_REPO && s.path) expect(existsSync(join(repoRoot, s.path)), s.path).toBe(true);
        for (const f of s.helm?.valueFiles ?? []) expect(existsSync(join(repoRoot, f.replace(/^\$values\//, ''))), f).toBe(true);
      }
    }
    const pinned = Object.fromEntries(apps.flatMap((a) => (a.spec.sources ?? []).filter((s: Obj) => s.chart).map((s: Obj) => [s.chart, s.targetRevision])));
    expect(pinned).toEqual({ 'sealed-secrets': '2.18.5', 'cert-manager': 'v1.21.1', 'cloudnative-pg': '0.27.1', 'kube-prometheus-stack': '88.5.3', loki: '7.3.0', 'fluent-bit': '0.58.1' });
  });

  it('syncs in waves: operators and CRDs first, their custom resources next, the platform after, the stores last', () => {
    const wave = Object.fromEntries(apps.map((a) => [a.metadata.name, Number(a.metadata.annotations['argocd.argoproj.io/sync-wave'])]));
    for (const [before, after] of [['cert-manager', 'cluster-issuers'], ['kube-prometheus-stack', 'monitoring'], ['cloudnative-pg', 'store-platform'], ['sealed-secrets', 'store-platform'], ['loki', 'store-platform'], ['store-platform', 'stores-gitops']]) {
      expect(wave[before!], `${before} before ${after}`).toBeLessThan(wave[after!]!);
    }
  });

  it('runs the platform in a namespace labelled Pod Security restricted, from this repo\'s chart', () => {
    const sp = apps.find((a) => a.metadata.name === 'store-platform')!;
    expect(sp.spec.syncPolicy.managedNamespaceMetadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(sp.spec.sources[0]).toMatchObject({ repoURL: PLATFORM_REPO, path: 'charts/store-platform', helm: { valueFiles: ['$values/argocd/values/store-platform.yaml'] } });
  });

  it('brings the stores project and root app from the GitOps repo the platform writes', () => {
    const g = apps.find((a) => a.metadata.name === 'stores-gitops')!;
    const template = (p: string) => parse(readFileSync(join(repoRoot, 'gitops-repo-template', p), 'utf8'));
    expect(template('projects/stores.yaml').metadata.name).toBe('stores');
    expect(template('apps/root.yaml').metadata.name).toBe('stores-root');
    expect(g.spec.source.directory.include).toBe('{projects/*.yaml,apps/*.yaml}');
    const sp = values('store-platform.yaml');
    expect(g.spec.source.repoURL).toBe(sp.config.gitopsRepo);
  });

  it('has the ClusterIssuers letsencrypt-staging and letsencrypt-prod solving HTTP-01 through the traefik class', () => {
    const byName = Object.fromEntries(issuers.map((i) => [i.metadata.name, i as Obj]));
    expect(Object.keys(byName).sort()).toEqual(['letsencrypt-prod', 'letsencrypt-staging']);
    expect(byName['letsencrypt-staging']!.spec.acme.server).toBe('https://acme-staging-v02.api.letsencrypt.org/directory');
    expect(byName['letsencrypt-prod']!.spec.acme.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
    for (const i of Object.values(byName)) expect(i.spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: 'traefik' } } }]);
    // The issuer the platform and the stores name exists.
    expect(byName[values('store-platform.yaml').config.clusterIssuer]).toBeDefined();
  });

  it('configures k3s Traefik: HTTP→HTTPS at the web entry point and a published service', () => {
    const [cfg] = traefik as Obj[];
    expect(cfg).toMatchObject({ kind: 'HelmChartConfig', metadata: { name: 'traefik', namespace: 'kube-system' } });
    const v = parse(cfg!.spec.valuesContent);
    expect(v.additionalArguments).toEqual(expect.arrayContaining(['--entryPoints.web.http.redirections.entryPoint.to=websecure', '--entryPoints.web.http.redirections.entryPoint.scheme=https']));
    expect(v.providers.kubernetesIngress.publishedService.enabled).toBe(true);
  });

  it('points Sealed Secrets at the Service and namespace the platform fetches its certificate from', async () => {
    const v = values('sealed-secrets.yaml');
    const chartValues = parse(readFileSync(join(repoRoot, 'charts', 'store-platform', 'values.yaml'), 'utf8'));
    expect(v.fullnameOverride).toBe(chartValues.rbac.sealedSecretsController);
    expect(v.namespace).toBe(chartValues.rbac.sealedSecretsNamespace);
    const config = await import('../../api/src/config/config.ts');
    const c = config.loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x' });
    expect([c.cluster.sealedSecretsController, c.cluster.sealedSecretsNamespace]).toEqual([v.fullnameOverride, v.namespace]);
  });
});

describe('metrics and logs configuration (Prometheus, Loki and Fluent Bit do not run here: checked as data)', () => {
  it('has kube-state-metrics export the stores\' namespace labels, the ones the renderer and the store chart write', () => {
    const v = values('kube-prometheus-stack.yaml');
    const ns = (v['kube-state-metrics'].metricLabelsAllowlist as string[]).find((x) => x.startsWith('namespaces='))!;
    const labels = /^namespaces=\[(.*)\]$/.exec(ns)![1]!.split(',');
    expect(labels).toEqual(expect.arrayContaining([STORE_ID_LABEL, OWNER_LABEL]));
    const helpers = readFileSync(join(repoRoot, 'charts', 'woocommerce-store', 'templates', '_helpers.tpl'), 'utf8');
    expect(helpers).toContain(`${STORE_ID_LABEL}:`);
    // Dashboards join on the Prometheus form of that label name.
    const promName = `label_${STORE_ID_LABEL.replace(/[^a-zA-Z0-9_]/g, '_')}`;
    expect(readFileSync(join(argocd, 'manifests', 'monitoring', 'dashboards', 'stores.json'), 'utf8')).toContain(promName);
    expect(v.prometheus.prometheusSpec).toMatchObject({ serviceMonitorSelectorNilUsesHelmValues: false, ruleSelectorNilUsesHelmValues: false });
    expect(v.grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' });
    for (const cm of monitoring.filter((o) => o.kind === 'ConfigMap')) expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    expect(v.grafana.additionalDataSources[0]).toMatchObject({ type: 'loki', url: 'http://loki-gateway.monitoring.svc' });
  });

  it('keeps Loki logs at least 30 days (720h), enforced by the compactor', () => {
    const v = values('loki.yaml');
    const hours = (d: string) => {
      const m = /^(\d+)(h|d|w)$/.exec(d);
      if (!m) throw new Error(`unparsed duration ${d}`);
      return Number(m[1]) * { h: 1, d: 24, w: 168 }[m[2] as 'h' | 'd' | 'w'];
    };
    expect(hours(v.loki.limits_config.retention_period)).toBeGreaterThanOrEqual(720);
    expect(v.loki.compactor.retention_enabled).toBe(true);
    expect(v.loki.compactor.delete_request_store).toBe(v.loki.storage.type);
    expect(v.deploymentMode).toBe('SingleBinary');
    expect(v.singleBinary.replicas).toBe(1);
    for (const k of ['read', 'write', 'backend']) expect(v[k].replicas).toBe(0);
  });

  it('runs Fluent Bit as a DaemonSet with the kubernetes filter, sending namespace and store id as Loki labels', () => {
    const v = values('fluent-bit.yaml');
    expect(v.kind).toBe('DaemonSet');
    const sections = (text: string) =>
      text.split(/^\s*\[(?=[A-Z]+\])/m).filter((s) => s.trim()).map((s) => {
        const [head, ...lines] = s.trim().split('\n');
        const kv = Object.fromEntries(lines.map((l) => l.trim()).filter(Boolean).map((l) => { const i = l.search(/\s/); return [l.slice(0, i).toLowerCase(), l.slice(i).trim()]; }));
        return { section: head!.replace(/\]$/, ''), ...kv } as Record<string, string>;
      });
    const input = sections(v.config.inputs).find((s) => s.section === 'INPUT' && s.name === 'tail')!;
    expect(input.path).toBe('/var/log/containers/*.log');
    const filter = sections(v.config.filters).find((s) => s.name === 'kubernetes')!;
    expect(filter.section).toBe('FILTER');
    expect(filter.match).toBe(input.tag);
    expect(filter.labels).toBe('On');
    const output = sections(v.config.outputs).find((s) => s.name === 'loki')!;
    expect(output.host).toBe('loki-gateway.monitoring.svc');
    const labels = Object.fromEntries(output.labels!.split(/,\s*/).map((x) => x.split('=') as [string, string]));
    expect(labels.namespace).toBe("$kubernetes['namespace_name']");
    expect(labels.store_id).toBe(`$kubernetes['labels']['${STORE_ID_LABEL}']`);
    expect(output.match).toBe(input.tag);
  });
});
