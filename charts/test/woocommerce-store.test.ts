/**
 * Acceptance tests of charts/woocommerce-store with the real helm binary. Each scenario is rendered
 * once (beforeAll) and every test reads the parsed objects; helm runs about twenty times in all.
 */
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { checkPodSecurityRestricted } from '../../sim/src/admission/pod-security.ts';
import { parseQuantity } from '../../sim/src/admission/quantity.ts';
import { validateObject } from '../../sim/src/admission/schema.ts';
import { HelmError, lintChart, renderChart, renderChartText, parseManifests, storeChartDir, type K8sObject } from './render-chart.ts';
import { containersOf, podTemplates, upgradeIdentity, worstCaseDemand } from './store-shape.ts';
import { undocumentedValues, valuesTable, VALUES_END, VALUES_START } from './values-doc.ts';
import { validateMiddleware } from './traefik-middleware.ts';
import { FIXTURES } from '../../renderer/test/support/fixtures/stores.ts';
import { renderStore } from '../../renderer/src/render-store.ts';

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const l = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(o) : []);

const ciDir = join(storeChartDir, 'ci');
const SECRET_KEYS = [
  'mysql-root-password', 'mysql-password', 'wordpress-admin-user', 'wordpress-admin-password',
  'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT',
];
/** Keys the Secret may carry besides the 12 required ones. */
const OPTIONAL_SECRET_KEYS = ['mysql-probe-password', 'smtp-password'];

/** Strict validation: the sim's Kubernetes/CRD schemas, and ours for Traefik's Middleware. */
function validate(x: K8sObject): string[] {
  return x.apiVersion === 'traefik.io/v1alpha1' && x.kind === 'Middleware' ? validateMiddleware(x) : validateObject(x);
}

interface Scenario {
  file: string;
  values: { store: { id: string; name: string; domain: string; owner?: string } } & Obj;
  text: string;
  objects: K8sObject[];
}

const scenarios = new Map<string, Scenario>();
let scenarioFiles: string[] = [];

function scenario(name: string): Scenario {
  const s = scenarios.get(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

function one(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? `/${name}` : ''}, found ${found.length}`);
  return found[0]!;
}

beforeAll(async () => {
  scenarioFiles = (await readdir(ciDir)).filter((f) => f.endsWith('-values.yaml')).sort();
  await Promise.all(
    scenarioFiles.map(async (file) => {
      const path = join(ciDir, file);
      const text = await renderChartText({ valuesFiles: [path] });
      scenarios.set(file.replace(/-values\.yaml$/, ''), {
        file: path,
        values: parse(await readFile(path, 'utf8')) as Scenario['values'],
        text,
        objects: parseManifests(text),
      });
    }),
  );
});

describe('woocommerce-store chart', () => {
  it('renders the values.yaml the platform renderer writes for each of its fixtures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-values-'));
    let rendered = 0;
    try {
      for (const fixture of FIXTURES) {
        const values = renderStore(fixture.store, fixture.settings).find((f) => f.path.endsWith('/values.yaml'))!;
        const file = join(dir, `${fixture.name}.yaml`);
        await writeFile(file, values.content);
        const where = `renderer fixture ${fixture.name}`;
        if (Object.keys(fixture.store.sealedSecrets).length === 0) {
          // A store without its sealed secrets could never start: refused at render time, not at runtime.
          const err = await renderChart({ valuesFiles: [file] }).then(() => undefined, (e: unknown) => e);
          expect((err as HelmError).stderr, where).toContain("at '/secrets/sealed/encryptedData'");
          continue;
        }
        const objects = await renderChart({ valuesFiles: [file] });
        expect(one(objects, 'Namespace').metadata.name, where).toBe(`store-${fixture.store.id}`);
        expect(one(objects, 'SealedSecret', 'store-secrets').spec, where).toMatchObject({ encryptedData: fixture.store.sealedSecrets });
        for (const x of objects) expect(validate(x), `${where}: ${x.kind}/${x.metadata.name}`).toEqual([]);
        for (const pod of podTemplates(objects)) expect(checkPodSecurityRestricted(pod.spec), `${where}: ${pod.owner}`).toEqual([]);
        if (fixture.store.suspended) {
          // no setup hook while suspended (MySQL is stopped); the holding page names the store
          expect(objects.filter((x) => x.kind === 'Job'), where).toEqual([]);
          expect(o(one(objects, 'ConfigMap', 'store-paused').data)['index.html'], where).toContain(`| ${fixture.store.name}</title>`);
        } else {
          const setup = l(o(o(o(one(objects, 'Job', 'store-setup').spec).template).spec).containers)[0]!;
          expect(l(setup.env).find((e) => e.name === 'STORE_TITLE')?.value, where).toBe(fixture.store.name);
        }
        rendered += 1;
      }
      expect(rendered).toBeGreaterThanOrEqual(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has the required ci scenarios besides the minimal one', () => {
    expect(scenarioFiles).toEqual(expect.arrayContaining([
      'minimal-values.yaml', 'sealed-secrets-values.yaml', 'plain-secrets-values.yaml', 'nginx-class-values.yaml',
      'rwx-storage-values.yaml', 'custom-resources-values.yaml', 'day-two-values.yaml', 'suspended-values.yaml',
    ]));
  });

  it('lints clean with --strict for every ci scenario', async () => {
    for (const file of scenarioFiles) {
      const out = await lintChart({ valuesFiles: [join(ciDir, file)] });
      expect(out, file).toContain('0 chart(s) failed');
      expect(out, file).not.toMatch(/\[(WARNING|ERROR|INFO)\]/);
    }
  });

  it('renders with only store.id, store.name, store.domain and the sealed secrets set', () => {
    const { values, objects } = scenario('minimal');
    expect(Object.keys(values).sort()).toEqual(['secrets', 'store']);
    expect(Object.keys(values.store).sort()).toEqual(['domain', 'id', 'name']);
    expect(objects.map((x) => x.kind)).toEqual(expect.arrayContaining([
      'Namespace', 'ResourceQuota', 'LimitRange', 'ServiceAccount', 'Role', 'RoleBinding', 'SealedSecret', 'PersistentVolumeClaim',
      'Deployment', 'Service', 'HorizontalPodAutoscaler', 'Job', 'CronJob', 'PodDisruptionBudget', 'NetworkPolicy', 'Middleware', 'Ingress', 'Pod',
    ]));
  });

  it('rejects a bad domain, a bad id and negative sizes through values.schema.json', async () => {
    const err = await renderChart({
      valuesFiles: [scenario('minimal').file],
      set: { 'store.domain': 'Not_A.Domain', 'store.id': 'store-1', 'mysql.persistence.size': '-20Gi', 'wordpress.resources.requests.cpu': '-1' },
    }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HelmError);
    const stderr = (err as HelmError).stderr;
    expect(stderr).toContain("at '/store/domain'");
    expect(stderr).toContain("at '/store/id'");
    expect(stderr).toContain("at '/mysql/persistence/size'");
    expect(stderr).toContain("at '/wordpress/resources/requests/cpu'");
  });

  it('renders the namespace store-<id> with Pod Security restricted labels and puts every namespaced object in it', () => {
    for (const [name, { values, objects }] of scenarios) {
      const ns = `store-${values.store.id}`;
      const namespace = one(objects, 'Namespace');
      expect(namespace.metadata.name, name).toBe(ns);
      expect(namespace.metadata.labels, name).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
        'store-platform.io/store-id': values.store.id,
      });
      for (const x of objects.filter((x) => x.kind !== 'Namespace')) {
        expect(x.metadata.namespace, `${name}: ${x.kind}/${x.metadata.name}`).toBe(ns);
        expect(x.metadata.labels?.['store-platform.io/store-id'], `${name}: ${x.kind}/${x.metadata.name}`).toBe(values.store.id);
      }
    }
    expect(one(scenario('sealed-secrets').objects, 'Namespace').metadata.labels?.['store-platform.io/owner']).toBe('user-42');
  });

  it('validates every rendered object strictly against the Kubernetes schemas, the SealedSecret CRD and Traefik\'s Middleware', () => {
    const kinds = new Set<string>();
    for (const [name, { objects }] of scenarios) {
      for (const x of objects) {
        kinds.add(x.kind);
        expect(validate(x), `${name}: ${x.kind}/${x.metadata.name}`).toEqual([]);
      }
    }
    expect([...kinds]).toEqual(expect.arrayContaining(['SealedSecret', 'Middleware', 'CronJob', 'PodDisruptionBudget']));
    // The Middleware check can fail too.
    const hsts = structuredClone(one(scenario('minimal').objects, 'Middleware', 'store-hsts'));
    (o(hsts.spec).headers as Obj).stsSecond = 1;
    expect(validate(hsts).join('\n')).toContain('stsSecond');
  });

  it('the strict validation catches a misspelled field (so the check above can fail)', () => {
    const deployment = structuredClone(one(scenario('minimal').objects, 'Deployment', 'store-wordpress'));
    const container = l(o(o(o(deployment.spec).template).spec).containers)[0]!;
    container.securityContex = container.securityContext;
    expect(validateObject(deployment).join('\n')).toContain('securityContex');
  });

  it('every pod template meets Pod Security restricted', () => {
    let checked = 0;
    for (const [name, { objects }] of scenarios) {
      for (const pod of podTemplates(objects)) {
        expect(checkPodSecurityRestricted(pod.spec), `${name}: ${pod.owner}`).toEqual([]);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(scenarios.size * 4);
  });

  it('runs WordPress as UID 1000 on an unprivileged port and MySQL as UID 999, with read-only roots and no API token', () => {
    const { objects } = scenario('minimal');
    const wordpress = podTemplates(objects).find((p) => p.owner === 'Deployment/store-wordpress')!;
    const mysql = podTemplates(objects).find((p) => p.owner === 'Deployment/store-mysql')!;
    expect(o(wordpress.spec.securityContext)).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
    expect(o(mysql.spec.securityContext)).toMatchObject({ runAsUser: 999, runAsGroup: 999, runAsNonRoot: true });
    const wpContainer = l(wordpress.spec.containers)[0]!;
    expect(l(wpContainer.ports)[0]).toMatchObject({ name: 'http', containerPort: 8080 });
    for (const pod of podTemplates(objects)) {
      expect(pod.spec.automountServiceAccountToken, pod.owner).toBe(false);
      expect(pod.spec.hostNetwork ?? false, pod.owner).toBe(false);
      expect(l(pod.spec.volumes).some((v) => 'hostPath' in v), pod.owner).toBe(false);
      for (const c of containersOf(pod.spec)) {
        expect(o(c.securityContext), `${pod.owner} ${String(c.name)}`).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('labels every pod with name, instance, component and store id', () => {
    for (const [name, { values, objects }] of scenarios) {
      for (const pod of podTemplates(objects)) {
        expect(pod.labels, `${name}: ${pod.owner}`).toMatchObject({
          'app.kubernetes.io/name': 'woocommerce-store',
          'app.kubernetes.io/instance': 'store',
          'store-platform.io/store-id': values.store.id,
        });
        expect(['wordpress', 'mysql', 'setup', 'cron', 'test', 'paused'], `${name}: ${pod.owner}`).toContain(pod.labels['app.kubernetes.io/component']);
      }
      const components = podTemplates(objects).map((p) => p.labels['app.kubernetes.io/component']);
      // suspended: the holding page instead of the setup hook
      expect(components.sort(), name).toEqual(name === 'suspended' ? ['cron', 'mysql', 'paused', 'test', 'wordpress'] : ['cron', 'mysql', 'setup', 'test', 'wordpress']);
    }
  });

  it('probes WordPress with GET /wp-admin/install.php; a 5-minute MySQL outage takes pods out of the Service but restarts none', async () => {
    const { objects } = scenario('minimal');
    const wordpress = l(o(o(o(one(objects, 'Deployment', 'store-wordpress').spec).template).spec).containers)[0]!;
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(o(o(wordpress[probe]).httpGet), probe).toMatchObject({ path: '/wp-admin/install.php', port: 'http' });
    }
    const window = (p: unknown) => Number(o(p).periodSeconds) * Number(o(p).failureThreshold);
    // install.php answers 500 while MySQL is down: out of the Service within 30 s, restarted only after 5 min.
    expect(window(wordpress.readinessProbe)).toBeLessThanOrEqual(30);
    expect(window(wordpress.livenessProbe)).toBeGreaterThanOrEqual(300);
    expect(window(wordpress.startupProbe)).toBeGreaterThanOrEqual(600);
    const shorter = await renderChart({ valuesFiles: [scenario('minimal').file], setJson: { 'wordpress.probes.livenessToleranceSeconds': 120 } });
    const c = l(o(o(o(one(shorter, 'Deployment', 'store-wordpress').spec).template).spec).containers)[0]!;
    expect(window(c.livenessProbe)).toBe(120);
  });

  it('probes MySQL with an authenticated query, as a least-privilege probe user when the Secret has its password', async () => {
    const { objects } = scenario('minimal');
    const deployment = one(objects, 'Deployment', 'store-mysql');
    const mysql = l(o(o(o(deployment.spec).template).spec).containers)[0]!;
    expect(o(o(mysql.startupProbe).exec).command).toEqual(['/bin/sh', '/probe/mysql-probe.sh', 'startup']);
    for (const probe of ['readinessProbe', 'livenessProbe']) expect(o(o(mysql[probe]).exec).command).toEqual(['/bin/sh', '/probe/mysql-probe.sh', 'ping']);
    const env = l(mysql.env);
    expect(env.find((e) => e.name === 'MYSQL_PROBE_PASSWORD')).toMatchObject({ valueFrom: { secretKeyRef: { name: 'store-secrets', key: 'mysql-probe-password', optional: true } } });
    expect(env.find((e) => e.name === 'MYSQL_PROBE_USER')?.value).toBe('probe');
    const script = String(o(one(objects, 'ConfigMap', 'store-mysql-probe').data)['mysql-probe.sh']);
    expect(script).toBe(await readFile(join(storeChartDir, 'files', 'mysql-probe.sh'), 'utf8'));
    expect(script).not.toContain('mysqladmin ping'); // exits 0 on "Access denied"
    expect(script).toContain("-e 'SELECT 1'");
    expect(o(deployment.spec).strategy).toEqual({ type: 'Recreate' });
  });

  it('the ResourceQuota admits the largest shape: HPA maximum (+ surge), MySQL, setup Job, test pod, solver and both PVCs', () => {
    for (const [name, { objects }] of scenarios) {
      const hard = o(o(one(objects, 'ResourceQuota').spec).hard) as Record<string, string>;
      const q = (k: string) => parseQuantity(hard[k]!);
      const demand = worstCaseDemand(objects);
      const why = `${name}: ${demand.parts.join(', ')}`;
      expect(demand.requestsCpu, why).toBeLessThanOrEqual(q('requests.cpu'));
      expect(demand.requestsMemory, why).toBeLessThanOrEqual(q('requests.memory'));
      expect(demand.limitsCpu, why).toBeLessThanOrEqual(q('limits.cpu'));
      expect(demand.limitsMemory, why).toBeLessThanOrEqual(q('limits.memory'));
      expect(demand.pods, why).toBeLessThanOrEqual(q('pods'));
      expect(demand.storage, why).toBeLessThanOrEqual(q('requests.storage'));
      expect(demand.pvcs, why).toBeLessThanOrEqual(q('persistentvolumeclaims'));
      // Services: the chart's ClusterIPs plus cert-manager's solver Service (a NodePort by default).
      const services = objects.filter((x) => x.kind === 'Service');
      expect(services.every((x) => (o(x.spec).type ?? 'ClusterIP') === 'ClusterIP'), name).toBe(true);
      expect(services.length + 1, name).toBeLessThanOrEqual(q('services'));
      expect(q('services.nodeports'), name).toBeGreaterThanOrEqual(1);
      expect(q('services.loadbalancers'), name).toBe(0);
    }
    const minimal = worstCaseDemand(scenario('minimal').objects);
    expect(minimal.parts).toContain('6 × Deployment/store-wordpress (5 + 1 surge)');
    expect(minimal.storage).toBe(50 * 2 ** 30);
  });

  it('the quota check fails when the HPA maximum outgrows the quota', () => {
    const objects = structuredClone(scenario('minimal').objects);
    o(one(objects, 'HorizontalPodAutoscaler').spec).maxReplicas = 10;
    const hard = o(o(one(objects, 'ResourceQuota').spec).hard) as Record<string, string>;
    expect(worstCaseDemand(objects).limitsCpu).toBeGreaterThan(parseQuantity(hard['limits.cpu']!));
  });

  it('the LimitRange maxima admit every container and its minima every request; PVCs fit its bounds', () => {
    for (const [name, { objects }] of scenarios) {
      const items = l(o(one(objects, 'LimitRange').spec).limits);
      const c = items.find((i) => i.type === 'Container')!;
      const pvcLimit = items.find((i) => i.type === 'PersistentVolumeClaim')!;
      for (const pod of podTemplates(objects)) {
        for (const container of containersOf(pod.spec)) {
          const r = o(container.resources);
          const where = `${name}: ${pod.owner} ${String(container.name)}`;
          for (const res of ['cpu', 'memory'] as const) {
            const limit = parseQuantity(o(r.limits)[res] as string);
            const request = parseQuantity(o(r.requests)[res] as string);
            expect(limit, where).toBeLessThanOrEqual(parseQuantity(o(c.max)[res] as string));
            expect(request, where).toBeGreaterThanOrEqual(parseQuantity(o(c.min)[res] as string));
            expect(request, where).toBeLessThanOrEqual(limit);
          }
        }
      }
      for (const pvc of objects.filter((x) => x.kind === 'PersistentVolumeClaim')) {
        const size = parseQuantity(o(o(o(pvc.spec).resources).requests).storage as string);
        expect(size).toBeLessThanOrEqual(parseQuantity(o(pvcLimit.max).storage as string));
        expect(size).toBeGreaterThanOrEqual(parseQuantity(o(pvcLimit.min).storage as string));
      }
    }
  });

  it('creates a 20Gi MySQL PVC and a 30Gi wp-content PVC, both kept on uninstall and rollback', () => {
    const { objects } = scenario('minimal');
    const mysql = one(objects, 'PersistentVolumeClaim', 'store-mysql-data');
    const content = one(objects, 'PersistentVolumeClaim', 'store-wordpress-content');
    expect(o(o(mysql.spec).resources)).toEqual({ requests: { storage: '20Gi' } });
    expect(o(o(content.spec).resources)).toEqual({ requests: { storage: '30Gi' } });
    for (const pvc of [mysql, content]) {
      expect(pvc.metadata.annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Prune=false' });
    }
  });

  it('renders sealed mode without a Secret or any secret value, as a SealedSecret under the fixed name and scope', () => {
    const { values, objects, text } = scenario('sealed-secrets');
    expect(objects.filter((x) => x.kind === 'Secret')).toEqual([]);
    const sealed = one(objects, 'SealedSecret', 'store-secrets');
    expect(sealed.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(sealed.metadata.namespace).toBe(`store-${values.store.id}`);
    const spec = o(sealed.spec);
    expect(Object.keys(o(spec.encryptedData)).sort()).toEqual([...SECRET_KEYS].sort());
    expect(o(o(spec.template).metadata)).toMatchObject({ name: 'store-secrets', namespace: `store-${values.store.id}` });
    // The only secret material the chart ever sees in this mode is ciphertext: nothing decodes to a
    // plain value, no data/stringData field exists anywhere.
    expect(text).not.toContain('stringData');
    const withData = objects.filter((x) => 'data' in x || 'stringData' in x);
    expect(withData.map((x) => `${x.kind}/${x.metadata.name}`).sort()).toEqual(['ConfigMap/store-mysql-probe', 'ConfigMap/store-setup-scripts', 'ConfigMap/store-wordpress-apache']);
    const plain = scenario('plain-secrets').values as unknown as { secrets: { plain: Obj } };
    for (const v of Object.values(plain.secrets.plain).flatMap((x) => (typeof x === 'string' ? [x] : Object.values(o(x))))) {
      expect(text).not.toContain(String(v));
    }
  });

  it('renders sealed mode byte-identically twice (nothing random, Argo CD stays in sync)', async () => {
    const again = await renderChartText({ valuesFiles: [scenario('sealed-secrets').file] });
    expect(again).toBe(scenario('sealed-secrets').text);
  });

  it('plain mode: the Secret holds exactly the 12 contract keys and given values appear nowhere else', () => {
    const { values, objects } = scenario('plain-secrets');
    const secret = one(objects, 'Secret', 'store-secrets');
    const data = o(secret.data) as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual([...SECRET_KEYS].sort());
    const plain = (values as unknown as { secrets: { plain: { mysqlPassword: string; adminUser: string; salts: Record<string, string> } } }).secrets.plain;
    expect(Buffer.from(data['mysql-password']!, 'base64').toString()).toBe(plain.mysqlPassword);
    expect(Buffer.from(data['wordpress-admin-user']!, 'base64').toString()).toBe(plain.adminUser);
    expect(Buffer.from(data.NONCE_SALT!, 'base64').toString()).toBe(plain.salts.NONCE_SALT);
    const others = JSON.stringify(objects.filter((x) => x !== secret));
    for (const v of [plain.mysqlPassword, plain.salts.AUTH_KEY!, ...Object.values(data)]) expect(others).not.toContain(v);
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
  });

  it('plain mode refuses to render without given values and names every missing one (nothing random under helm template)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-plain-'));
    try {
      const file = join(dir, 'values.yaml');
      const { store } = scenario('minimal').values;
      await writeFile(file, JSON.stringify({ store, secrets: { plain: { mysqlRootPassword: 'given-root-pw', salts: { AUTH_KEY: 'given-auth-key' } } } }));
      const err = await renderChart({ valuesFiles: [file] }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(HelmError);
      const stderr = (err as HelmError).stderr;
      expect(stderr).toContain('plain secrets mode needs given values');
      for (const missing of ['secrets.plain.mysqlPassword', 'secrets.plain.adminPassword', 'secrets.plain.salts.NONCE_SALT']) expect(stderr).toContain(missing);
      for (const given of ['secrets.plain.mysqlRootPassword', 'secrets.plain.salts.AUTH_KEY,', 'secrets.plain.adminUser']) expect(stderr).not.toContain(given);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Given values render, the same bytes every time.
    expect(await renderChartText({ valuesFiles: [scenario('plain-secrets').file] })).toBe(scenario('plain-secrets').text);
  });

  it('no container env carries a literal secret: credentials and salts come only through secretKeyRef to store-secrets', () => {
    const sensitive = /PASSWORD|_KEY$|_SALT$|ADMIN_USER/;
    for (const [name, { objects }] of scenarios) {
      for (const pod of podTemplates(objects)) {
        for (const c of containersOf(pod.spec)) {
          expect(c.envFrom, `${name}: ${pod.owner}`).toBeUndefined();
          for (const env of l(c.env)) {
            const where = `${name}: ${pod.owner} ${String(c.name)} ${String(env.name)}`;
            if (!sensitive.test(String(env.name))) continue;
            expect(env.value, where).toBeUndefined();
            const ref = o(o(env.valueFrom).secretKeyRef);
            expect(ref.name, where).toBe('store-secrets');
            expect([...SECRET_KEYS, ...OPTIONAL_SECRET_KEYS], where).toContain(ref.key);
            // Only the optional keys may be absent from the Secret.
            expect(ref.optional === true, where).toBe(OPTIONAL_SECRET_KEYS.includes(String(ref.key)));
          }
        }
      }
    }
  });

  it('gives each pod only the secrets it needs: root and probe passwords to MySQL, admin credentials to the setup Job', () => {
    const keysBy = new Map<string, Set<string>>();
    for (const pod of podTemplates(scenario('day-two').objects)) {
      const keys = new Set<string>();
      for (const c of containersOf(pod.spec)) {
        for (const env of l(c.env)) {
          const key = o(o(env.valueFrom).secretKeyRef).key;
          if (typeof key === 'string') keys.add(key);
        }
      }
      keysBy.set(String(pod.labels['app.kubernetes.io/component']), keys);
    }
    const salts = SECRET_KEYS.slice(4);
    expect([...keysBy.get('mysql')!].sort()).toEqual(['mysql-password', 'mysql-probe-password', 'mysql-root-password']);
    expect([...keysBy.get('wordpress')!].sort()).toEqual(['mysql-password', 'smtp-password', ...salts].sort());
    expect([...keysBy.get('cron')!].sort()).toEqual(['mysql-password', 'smtp-password', ...salts].sort());
    expect([...keysBy.get('setup')!].sort()).toEqual(['mysql-password', 'smtp-password', 'wordpress-admin-password', 'wordpress-admin-user', ...salts].sort());
    expect([...keysBy.get('test')!]).toEqual([]);
  });

  it('keeps PVC names, selector labels and secret values across chart version N → N+1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-chart-'));
    try {
      // Chart N+1: a new chart version, app version and WordPress image, as a real upgrade brings.
      const next = join(dir, 'woocommerce-store');
      await cp(storeChartDir, next, { recursive: true });
      const chartYaml = await readFile(join(next, 'Chart.yaml'), 'utf8');
      await writeFile(join(next, 'Chart.yaml'), chartYaml.replace(/^version: .*$/m, 'version: 99.0.0').replace(/^appVersion: .*$/m, 'appVersion: "99.0.0"'));
      for (const name of ['sealed-secrets', 'plain-secrets']) {
        const before = scenario(name).objects;
        const after = await renderChart({ chartDir: next, valuesFiles: [scenario(name).file], set: { 'images.wordpress.tag': '99.0.0-php8.4-apache' } });
        expect(one(after, 'Deployment', 'store-wordpress').metadata.labels?.['helm.sh/chart']).toBe('woocommerce-store-99.0.0');
        expect(JSON.stringify(after)).toContain('99.0.0-php8.4-apache');
        expect(upgradeIdentity(after), name).toEqual(upgradeIdentity(before));
      }
      const identity = upgradeIdentity(scenario('sealed-secrets').objects) as { pvcs: { name: string }[]; secrets: unknown[] };
      expect(identity.pvcs.map((p) => p.name).sort()).toEqual(['store-mysql-data', 'store-wordpress-content']);
      expect(identity.secrets).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps what chart 0.1.0 rendered for PVCs, selectors, pod labels and secrets (recorded fixture)', async () => {
    const recorded = JSON.parse(await readFile(join(import.meta.dirname, 'fixtures', 'woocommerce-store-0.1.0-identity.json'), 'utf8')) as {
      scenarios: Record<string, unknown>;
    };
    expect(Object.keys(recorded.scenarios).length).toBeGreaterThanOrEqual(5);
    for (const [file, identity] of Object.entries(recorded.scenarios)) {
      const now = upgradeIdentity(scenario(file.replace(/-values\.yaml$/, '')).objects);
      // Scenarios that let the chart generate secrets were recorded without their (random) values.
      if (!('secrets' in (identity as Obj))) delete now.secrets;
      expect(now, file).toEqual(identity);
    }
    expect(Object.keys(recorded.scenarios).filter((f) => 'secrets' in o(recorded.scenarios[f])).sort())
      .toEqual(['plain-secrets-values.yaml', 'sealed-secrets-values.yaml']);
  });

  it('makes a change to the setup hook alone a diff of a compared object, so Argo CD syncs and setup runs again', async () => {
    // Argo CD leaves hooks out of the diff and auto-syncs only an OutOfSync app: without this, a new
    // WooCommerce pin (which only the hook reads) would never upgrade a running store.
    const file = join(ciDir, scenarioFiles[0]!);
    const compared = (objs: K8sObject[]) => objs.filter((o) => !o.metadata.annotations?.['argocd.argoproj.io/hook']);
    const before = compared(await renderChart({ valuesFiles: [file] }));
    const after = compared(await renderChart({ valuesFiles: [file], set: { 'setup.woocommerceVersion': '10.9.0' } }));
    const checksum = (objs: K8sObject[]) => objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-setup-scripts'))?.metadata.annotations?.['store-platform.io/setup-checksum'];
    expect(checksum(before)).toMatch(/^[0-9a-f]{16}$/);
    expect(checksum(after)).not.toBe(checksum(before));
    expect(stringify(after)).not.toBe(stringify(before));
  });

  it('runs setup as an Argo CD Sync hook under one fixed name, recreated before every sync (BeforeHookCreation)', async () => {
    for (const [name, { objects }] of scenarios) {
      const jobs = objects.filter((x) => x.kind === 'Job');
      if (name === 'suspended') {
        expect(jobs, 'no setup hook while suspended: MySQL is stopped').toEqual([]);
        continue;
      }
      expect(jobs.map((j) => j.metadata.name), name).toEqual(['store-setup']);
      expect(jobs[0]!.metadata.annotations, name).toMatchObject({
        'argocd.argoproj.io/hook': 'Sync',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
        'argocd.argoproj.io/sync-wave': '1',
        'helm.sh/hook': 'post-install,post-upgrade',
        'helm.sh/hook-delete-policy': 'before-hook-creation',
      });
      expect(o(jobs[0]!.spec).ttlSecondsAfterFinished, name).toBeUndefined();
    }
    // A changed input changes the pod template but never the name: the hook is recreated, not patched.
    const { objects, file } = scenario('sealed-secrets');
    const changed = await renderChart({ valuesFiles: [file], setJson: { 'wordpress.configExtra': "define('WP_DEBUG', false);", 'store.owner': 'user-43' } });
    expect(one(changed, 'Job').metadata.name).toBe('store-setup');
    expect(o(one(changed, 'Job').spec).template).not.toEqual(o(one(objects, 'Job').spec).template);
    const script = String(o(one(objects, 'ConfigMap', 'store-setup-scripts').data)['setup.sh']);
    expect(script).toBe(await readFile(join(storeChartDir, 'files', 'setup.sh'), 'utf8'));
  });

  it('keeps PVCs, selectors, pod labels and secret values from chart 0.4.3 (the fixture copy of the old chart)', async () => {
    const oldChart = join(import.meta.dirname, 'fixtures', 'woocommerce-store-0.4.3');
    for (const name of ['sealed-secrets', 'plain-secrets', 'day-two']) {
      const file = scenario(name).file;
      // 0.4.3 knew none of the day-two values: render it with the store and secrets only.
      const values = parse(await readFile(file, 'utf8')) as Obj;
      const dir = await mkdtemp(join(tmpdir(), 'store-old-'));
      try {
        const oldValues = join(dir, 'values.yaml');
        const store = o(values.store);
        const sealed = o(o(values.secrets).sealed);
        const encryptedData = Object.fromEntries(Object.entries(o(sealed.encryptedData)).filter(([k]) => SECRET_KEYS.includes(k)));
        await writeFile(oldValues, JSON.stringify({
          store: { id: store.id, name: store.name, domain: store.domain, ...(store.owner ? { owner: store.owner } : {}) },
          secrets: sealed.enabled ? { sealed: { enabled: true, encryptedData } } : values.secrets,
        }));
        const before = upgradeIdentity(await renderChart({ chartDir: oldChart, valuesFiles: [oldValues] })) as Obj;
        const after = upgradeIdentity(scenario(name).objects) as Obj;
        expect(after.pvcs, name).toEqual(before.pvcs);
        expect(after.selectors, name).toEqual(before.selectors);
        expect(after.podLabels, name).toEqual(before.podLabels);
        // Same values under the same keys; the day-two store adds its optional probe and SMTP keys.
        const secret = (id: Obj) => l(id.secrets).map((x) => ({ ...x, encryptedData: Object.fromEntries(Object.entries(o(x.encryptedData)).filter(([k]) => SECRET_KEYS.includes(k))) }));
        expect(secret(after), name).toEqual(secret(before));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it('orders the Argo CD sync: namespace, then quota and secrets, workloads and Middlewares, setup hook, then Ingress, HPA and CronJob', () => {
    for (const [name, { objects }] of scenarios) {
      const wave = (x: K8sObject) => Number(x.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
      const waveOf = (kind: string) => [...new Set(objects.filter((x) => x.kind === kind).map(wave))];
      expect(waveOf('Namespace'), name).toEqual([-2]);
      for (const kind of ['ResourceQuota', 'LimitRange']) expect(waveOf(kind), name).toEqual([-1]);
      expect([...waveOf('Secret'), ...waveOf('SealedSecret')], name).toEqual([-1]);
      for (const kind of ['Deployment', 'Service', 'PersistentVolumeClaim', 'NetworkPolicy']) expect(waveOf(kind), name).toEqual([0]);
      const suspended = name === 'suspended';
      expect(waveOf('Job'), name).toEqual(suspended ? [] : [1]);
      expect(waveOf('Middleware'), name).toEqual(name === 'nginx-class' ? [] : [0]);
      expect(waveOf('CronJob'), name).toEqual([2]);
      expect(waveOf('Ingress'), name).toEqual([2]);
      expect(waveOf('HorizontalPodAutoscaler'), name).toEqual(suspended ? [] : [2]);
    }
  });

  it('suspended: WordPress and MySQL at zero with no HPA to scale them back, the CronJob suspended, no setup hook, data kept, the Ingress on a restricted holding page', () => {
    const paused = scenario('suspended').objects;
    const running = scenario('minimal').objects;
    expect(o(one(paused, 'Deployment', 'store-wordpress').spec).replicas).toBe(0);
    expect(o(one(paused, 'Deployment', 'store-mysql').spec).replicas).toBe(0);
    expect(o(one(running, 'Deployment', 'store-mysql').spec).replicas).toBe(1);
    expect(paused.filter((x) => x.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(o(one(paused, 'CronJob').spec).suspend).toBe(true);
    expect(o(one(running, 'CronJob').spec).suspend).toBe(false);
    // the data and its secrets are the same objects, kept on prune
    for (const kind of ['PersistentVolumeClaim', 'SealedSecret']) expect(paused.filter((x) => x.kind === kind), kind).toEqual(running.filter((x) => x.kind === kind));
    // every request goes to the holding page, over the same host and TLS
    const ingress = (objects: K8sObject[]) => o(one(objects, 'Ingress').spec);
    const backend = (objects: K8sObject[]) => o(o(l(o(l(ingress(objects).rules)[0]!.http).paths)[0]!.backend).service);
    expect(backend(paused).name).toBe('store-paused');
    expect(backend(running).name).toBe('store-wordpress');
    expect(ingress(paused).tls).toEqual(ingress(running).tls);
    const page = one(paused, 'ConfigMap', 'store-paused');
    expect(o(page.data)['index.html']).toContain('<h1>This store is paused</h1>');
    const holder = podTemplates(paused).find((p) => p.owner === 'Deployment/store-paused')!;
    expect(checkPodSecurityRestricted(holder.spec)).toEqual([]);
    expect(paused.filter((x) => x.kind === 'NetworkPolicy').map((x) => x.metadata.name)).toContain('allow-ingress-to-holding-page');
    // nothing of the holding page is rendered for a running store
    expect(running.filter((x) => x.metadata.name === 'store-paused' || x.metadata.name === 'allow-ingress-to-holding-page')).toEqual([]);
  });

  it('escapes the holding page text (an operator’s message or a store name never becomes markup)', async () => {
    const objects = await renderChart({
      valuesFiles: [scenario('suspended').file],
      set: { 'holdingPage.message': '<script>alert(1)</script> & co' },
    });
    const html = o(one(objects, 'ConfigMap', 'store-paused').data)['index.html'] as string;
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
  });

  it('HPA autoscaling/v2 keeps WordPress between 1 and 5 replicas at 70% CPU and scales down when load drops', () => {
    const { objects } = scenario('minimal');
    const hpa = one(objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('2');
    const spec = o(hpa.spec);
    expect(spec).toMatchObject({ minReplicas: 1, maxReplicas: 5, scaleTargetRef: { kind: 'Deployment', name: 'store-wordpress' } });
    expect(l(spec.metrics)[0]).toMatchObject({ resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } });
    const down = o(o(spec.behavior).scaleDown);
    expect(down.stabilizationWindowSeconds).toBe(300);
    expect(l(down.policies)[0]).toMatchObject({ type: 'Percent', value: 50, periodSeconds: 60 });
    const deployment = o(one(objects, 'Deployment', 'store-wordpress').spec);
    expect(deployment.replicas).toBeUndefined();
    const container = l(o(o(deployment.template).spec).containers)[0]!;
    expect(o(o(container.resources).requests).cpu).toBeDefined();
  });

  it('pins WordPress pods, the setup Job and WP-Cron runs to one node for a ReadWriteOnce volume, and not for ReadWriteMany', () => {
    const affinity = (objects: K8sObject[]) => podTemplates(objects).filter((p) => p.labels['app.kubernetes.io/component'] !== 'mysql' && p.kind !== 'Pod')
      .map((p) => l(o(o(p.spec.affinity).podAffinity).requiredDuringSchedulingIgnoredDuringExecution));
    for (const terms of affinity(scenario('minimal').objects)) {
      expect(terms[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'wordpress' } } });
    }
    expect(affinity(scenario('minimal').objects)).toHaveLength(3); // WordPress, setup, cron
    expect(affinity(scenario('rwx-storage').objects)).toEqual([[], [], []]);
    const pvc = one(scenario('rwx-storage').objects, 'PersistentVolumeClaim', 'store-wordpress-content');
    expect(o(pvc.spec)).toMatchObject({ accessModes: ['ReadWriteMany'], storageClassName: 'longhorn-rwx' });
  });

  it('NetworkPolicies deny by default and allow only WordPress → MySQL 3306, the ingress controller, DNS and the public internet', () => {
    const { objects } = scenario('minimal');
    const policies = new Map(objects.filter((x) => x.kind === 'NetworkPolicy').map((x) => [x.metadata.name, o(x.spec)]));
    expect(policies.get('default-deny')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const mysqlIn = l(policies.get('allow-wordpress-to-mysql')!.ingress);
    expect(mysqlIn).toHaveLength(1);
    expect(l(mysqlIn[0]!.ports)).toEqual([{ protocol: 'TCP', port: 3306 }]);
    expect(l(mysqlIn[0]!.from).every((peer) => !('namespaceSelector' in peer) && !('ipBlock' in peer))).toBe(true);
    const wpIn = l(policies.get('allow-ingress-to-wordpress')!.ingress)[0]!;
    expect(l(wpIn.from)[0]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
    });
    expect(l(wpIn.ports)).toEqual([{ protocol: 'TCP', port: 8080 }]);
    const egress = l(policies.get('allow-wordpress-egress')!.egress);
    const internet = l(egress.find((rule) => l(rule.to).some((peer) => 'ipBlock' in peer))!.to).map((peer) => o(peer.ipBlock));
    // No loopback through the Ingress by default (WP-Cron runs in the CronJob); allowSelfRequests opts in.
    expect(egress.some((rule) => l(rule.to).some((peer) => 'namespaceSelector' in peer))).toBe(false);
    expect(egress.some((rule) => l(rule.ports).some((port) => port.port === 587 || port.port === 465))).toBe(false);
    expect(o(policies.get('allow-wordpress-egress')!.podSelector)).toEqual({
      matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['wordpress', 'setup', 'cron'] }],
    });
    expect(internet[0]).toMatchObject({ cidr: '0.0.0.0/0' });
    expect(internet[0]!.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10']));
    const dns = l(policies.get('allow-dns-egress')!.egress)[0]!;
    expect(l(dns.ports)).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    // MySQL has no egress rule at all: default deny holds.
    const mysqlEgress = [...policies.values()].filter((p) => l(p.policyTypes as unknown).length === 0 || (p.policyTypes as string[]).includes('Egress'))
      .filter((p) => JSON.stringify(p.podSelector).includes('"mysql"'));
    expect(mysqlEgress).toEqual([]);
    const nginx = one(scenario('nginx-class').objects, 'NetworkPolicy', 'allow-ingress-to-wordpress');
    expect(l(l(o(nginx.spec).ingress)[0]!.from)[0]).toMatchObject({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    });
  });

  it('lets SMTP out on the relay port only when a relay is configured, to public addresses only', () => {
    const { objects } = scenario('day-two');
    const egress = l(o(one(objects, 'NetworkPolicy', 'allow-wordpress-egress').spec).egress);
    const smtp = egress.filter((rule) => l(rule.ports).some((port) => port.port === 465));
    expect(smtp).toHaveLength(1);
    expect(l(smtp[0]!.ports)).toEqual([{ protocol: 'TCP', port: 465 }]);
    expect(o(l(smtp[0]!.to)[0]!.ipBlock).except).toEqual(expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16']));
    const wordpress = l(o(o(o(one(objects, 'Deployment', 'store-wordpress').spec).template).spec).containers)[0]!;
    const env = Object.fromEntries(l(wordpress.env).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      STORE_SMTP_HOST: 'smtp.relay.example.net', STORE_SMTP_PORT: '465', STORE_SMTP_ENCRYPTION: 'ssl',
      STORE_SMTP_USER: 'shop@day-two-shop.example.de', STORE_SMTP_FROM: 'shop@day-two-shop.example.de', STORE_SMTP_FROM_NAME: 'Day Two Shop',
      STORE_SMTP_PASSWORD: { secretKeyRef: { name: 'store-secrets', key: 'smtp-password', optional: true } },
    });
    // The mu-plugin that reads them is mounted into every WordPress, setup and cron container.
    for (const pod of podTemplates(objects).filter((p) => ['wordpress', 'setup', 'cron'].includes(p.labels['app.kubernetes.io/component']!))) {
      const main = l(pod.spec.containers)[0]!;
      expect(l(main.volumeMounts).find((m) => m.mountPath === '/var/www/html/wp-content/mu-plugins/store-platform.php'), pod.owner).toMatchObject({ subPath: 'store-platform.php', readOnly: true });
    }
    const plugin = String(o(one(objects, 'ConfigMap', 'store-wordpress-apache').data)['store-platform.php']);
    for (const needle of ["add_action(\n\t\t'phpmailer_init'", 'isSMTP()', "getenv( 'STORE_SMTP_PASSWORD' )", 'woocommerce_email_from_address']) expect(plugin).toContain(needle);
  });

  it('refuses an SMTP port that does not match its encryption', async () => {
    const err = await renderChart({ valuesFiles: [scenario('day-two').file], set: { 'smtp.encryption': 'tls' } }).then(() => undefined, (e: unknown) => e);
    expect((err as HelmError).stderr).toContain("at '/smtp/encryption'");
  });

  it('redirects HTTP to HTTPS with Middlewares rendered in the store namespace and referenced by the Ingress (Traefik)', () => {
    for (const [name, { values, objects }] of [...scenarios].filter(([n]) => n !== 'nginx-class')) {
      const ns = `store-${values.store.id}`;
      const ingress = one(objects, 'Ingress');
      expect(o(ingress.spec), name).toMatchObject({
        ingressClassName: 'traefik',
        tls: [{ hosts: [values.store.domain], secretName: `store-${values.store.id}-tls` }],
        rules: [{ host: values.store.domain }],
      });
      // Traefik resolves `<namespace>-<name>@kubernetescrd`; a reference to a missing Middleware drops
      // the route (404). Every reference must resolve to a Middleware of this same render.
      const refs = String(ingress.metadata.annotations?.['traefik.ingress.kubernetes.io/router.middlewares']).split(',');
      const middlewares = new Map(objects.filter((x) => x.kind === 'Middleware').map((m) => [`${m.metadata.namespace}-${m.metadata.name}@kubernetescrd`, o(m.spec)]));
      expect(refs, name).toEqual([`${ns}-store-redirect-https@kubernetescrd`, `${ns}-store-hsts@kubernetescrd`]);
      for (const ref of refs) expect(middlewares.has(ref), `${name}: ${ref}`).toBe(true);
      for (const m of objects.filter((x) => x.kind === 'Middleware')) expect(m.metadata.namespace, name).toBe(ns);
      // What Traefik does with an HTTP request to the store: the first middleware answers it with a
      // permanent redirect to https://<host>/...; HTTPS responses carry a one-year HSTS header.
      expect(middlewares.get(refs[0]!), name).toEqual({ redirectScheme: { scheme: 'https', permanent: true } });
      expect(middlewares.get(refs[1]!), name).toEqual({ headers: { stsSeconds: 31536000, stsIncludeSubdomains: false } });
      expect(ingress.metadata.annotations?.['cert-manager.io/cluster-issuer'], name).toBe('letsencrypt-prod');
    }
  });

  it('can reference a shared redirect Middleware instead, and drops HSTS with it', async () => {
    const objects = await renderChart({ valuesFiles: [scenario('minimal').file], setJson: { 'ingress.traefik.createRedirectMiddleware': false } });
    expect(objects.filter((x) => x.kind === 'Middleware')).toEqual([]);
    expect(one(objects, 'Ingress').metadata.annotations?.['traefik.ingress.kubernetes.io/router.middlewares']).toBe('kube-system-redirect-https@kubernetescrd');
  });

  it('redirects with ingress-nginx annotations when the class is nginx', () => {
    const nginx = one(scenario('nginx-class').objects, 'Ingress');
    expect(o(nginx.spec).ingressClassName).toBe('nginx');
    expect(nginx.metadata.annotations).toMatchObject({
      'cert-manager.io/cluster-issuer': 'letsencrypt-staging',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/proxy-body-size': '32m',
    });
    expect(Object.keys(nginx.metadata.annotations ?? {}).some((k) => k.startsWith('traefik.'))).toBe(false);
    expect(scenario('nginx-class').objects.filter((x) => x.kind === 'Middleware')).toEqual([]);
  });

  it('grants the store nothing from the Kubernetes API: an empty Role bound to its ServiceAccount', () => {
    const { objects } = scenario('minimal');
    expect(one(objects, 'Role').rules).toEqual([]);
    expect(one(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(o(one(objects, 'RoleBinding').roleRef)).toMatchObject({ kind: 'Role', name: 'store' });
  });

  it('applies custom resources from values', () => {
    const wordpress = l(o(o(o(one(scenario('custom-resources').objects, 'Deployment', 'store-wordpress').spec).template).spec).containers)[0]!;
    expect(o(wordpress.resources)).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } });
    expect(o(one(scenario('custom-resources').objects, 'HorizontalPodAutoscaler').spec).maxReplicas).toBe(8);
  });

  it('ships a helm test pod that Argo CD skips and that checks WordPress and WooCommerce\'s Store API over the Service', () => {
    const pod = one(scenario('minimal').objects, 'Pod');
    expect(pod.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'test', 'argocd.argoproj.io/hook': 'Skip' });
    const script = String((l(o(pod.spec).containers)[0]!.command as string[])[2]);
    expect(script).toContain('base="http://store-wordpress:80"');
    expect(script).toContain('"$base/wp-admin/install.php"');
    // busybox wget exits non-zero on any status but 2xx: the Store API must answer 200 with a JSON list.
    expect(script).toContain('wget -q -T 20 -O /tmp/products "$base/wp-json/wc/store/v1/products"');
    expect(script).toContain("head -c 1 /tmp/products | grep -q '\\['");
    expect(o(pod.spec).restartPolicy).toBe('Never');
  });

  it('pins every image by tag and by digest beside it; an empty digest leaves the tag alone', async () => {
    const images = new Set(podTemplates(scenario('minimal').objects).flatMap((p) => containersOf(p.spec).map((c) => String(c.image))));
    for (const image of images) expect(image).toMatch(/^[^:@]+:(?!latest@)[A-Za-z0-9_][A-Za-z0-9_.-]+@sha256:[0-9a-f]{64}$/);
    expect([...images].sort()).toEqual([
      'docker.io/library/busybox:1.37.0@sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0',
      'docker.io/library/mysql:8.4.10@sha256:5700b0892591a760c4caef7a0024c887afd46317d73dd420801706e661c4db56',
      'docker.io/library/wordpress:7.1.2-php8.4-apache@sha256:40f460f490d78bae102740aad057b350d9dff47787b0a777f2be9e1132f145a7',
      'docker.io/library/wordpress:cli-2.12.0-php8.4@sha256:00c045cb6190b691303a829336a945a43b8851c1142620636b97a7e6a9182ffd',
    ]);
    const objects = await renderChart({ valuesFiles: [scenario('minimal').file], set: { 'images.wordpress.digest': '' } });
    const tagOnly = podTemplates(objects).flatMap((p) => containersOf(p.spec).map((c) => String(c.image)));
    expect(tagOnly).toContain('docker.io/library/wordpress:7.1.2-php8.4-apache');
    const err = await renderChart({ valuesFiles: [scenario('minimal').file], set: { 'images.mysql.digest': 'sha256:abc' } }).then(() => undefined, (e: unknown) => e);
    expect((err as HelmError).stderr).toContain("at '/images/mysql/digest'");
  });

  it('keeps WordPress core immutable: file mods, auto-updates and page-load WP-Cron are off in every WordPress container', () => {
    for (const pod of podTemplates(scenario('minimal').objects).filter((p) => ['wordpress', 'setup', 'cron'].includes(p.labels['app.kubernetes.io/component']!))) {
      const extra = String(l(l(pod.spec.containers)[0]!.env).find((e) => e.name === 'WORDPRESS_CONFIG_EXTRA')?.value);
      for (const line of ["define('DISALLOW_FILE_MODS', true);", "define('AUTOMATIC_UPDATER_DISABLED', true);", "define('WP_AUTO_UPDATE_CORE', false);", "define('DISABLE_WP_CRON', true);"]) {
        expect(extra, pod.owner).toContain(line);
      }
    }
  });

  it('pins WooCommerce and passes the day-one shop settings (theme, address, currency, sample products) to setup', () => {
    const env = (name: string) => Object.fromEntries(l(l(o(o(o(one(scenario(name).objects, 'Job', 'store-setup').spec).template).spec).containers)[0]!.env).map((e) => [e.name, e.value]));
    expect(env('minimal')).toMatchObject({
      WOOCOMMERCE_VERSION: '10.4.3', STORE_THEME: 'storefront', STORE_SAMPLE_PRODUCTS: 'false', STORE_COUNTRY: 'US:CA', STORE_CURRENCY: 'USD',
    });
    expect(env('day-two')).toMatchObject({
      STORE_SAMPLE_PRODUCTS: 'true', STORE_ADDRESS_1: 'Hauptstrasse 1', STORE_CITY: 'Berlin', STORE_POSTCODE: '10115', STORE_COUNTRY: 'DE', STORE_CURRENCY: 'EUR',
    });
  });

  it('runs WP-Cron as a CronJob: one run at a time, WP-CLI inside the cluster, no HTTP loopback', () => {
    const { objects } = scenario('minimal');
    const cron = one(objects, 'CronJob', 'store-cron');
    const spec = o(cron.spec);
    expect(spec).toMatchObject({ schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
    const container = l(o(o(o(o(spec.jobTemplate).spec).template).spec).containers)[0]!;
    expect(container.command).toEqual(['/bin/sh', '/scripts/cron.sh']);
    const script = String(o(one(objects, 'ConfigMap', 'store-setup-scripts').data)['cron.sh']);
    expect(script).toContain('wp cron event run --due-now');
    expect(script).not.toMatch(/wget|curl|wp-cron\.php/);
  });

  it('protects WordPress with a PodDisruptionBudget that never blocks a drain (maxUnavailable 1)', () => {
    for (const [name, { objects }] of scenarios) {
      const pdb = one(objects, 'PodDisruptionBudget');
      expect(o(pdb.spec), name).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: o(o(one(objects, 'Deployment', 'store-wordpress').spec).selector).matchLabels },
      });
    }
  });

  it('sizes Apache workers from the memory limit and OPcache for WooCommerce', async () => {
    const conf = (objects: K8sObject[]) => o(one(objects, 'ConfigMap', 'store-wordpress-apache').data);
    const workers = (objects: K8sObject[]) => Number(/MaxRequestWorkers (\d+)/.exec(String(conf(objects)['000-default.conf']))![1]);
    // 512Mi - 128M OPcache - 64Mi Apache = 320Mi / 64Mi per worker.
    expect(workers(scenario('minimal').objects)).toBe(5);
    expect(workers(scenario('custom-resources').objects)).toBe(13); // 1Gi: (1024 - 192) / 64
    expect(workers(await renderChart({ valuesFiles: [scenario('minimal').file], setJson: { 'wordpress.maxRequestWorkers': 7 } }))).toBe(7);
    expect(workers(await renderChart({ valuesFiles: [scenario('minimal').file], set: { 'wordpress.resources.limits.memory': '256Mi' } }))).toBe(2);
    const ini = String(conf(scenario('minimal').objects)['zz-store.ini']);
    expect(ini).toContain('opcache.memory_consumption = 128');
    expect(ini).toContain('opcache.max_accelerated_files = 20000');
  });

  it('documents every value with a # -- comment, and the README table matches values.yaml', async () => {
    const valuesYaml = await readFile(join(storeChartDir, 'values.yaml'), 'utf8');
    expect(undocumentedValues(valuesYaml)).toEqual([]);
    const readme = await readFile(join(storeChartDir, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf(VALUES_START) + VALUES_START.length, readme.indexOf(VALUES_END)).trim();
    expect(table, 'run: npx node charts/test/values-doc.ts').toBe(valuesTable(valuesYaml));
    for (const key of [...SECRET_KEYS, ...OPTIONAL_SECRET_KEYS]) expect(readme).toContain(`\`${key}\``);
  });

  it('the documentation check notices an undocumented value', () => {
    expect(undocumentedValues('a:\n  # -- documented\n  b: 1\n  c: 2\n')).toEqual(['a.c']);
  });
});

afterAll(() => {
  scenarios.clear();
});
