import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { validateObject } from '../../sim/src/admission/schema.ts';
import { FIXTURES, SETTINGS } from '../test/support/fixtures/stores.ts';
import { RenderError, renderStore, STORE_SECRET_KEYS, type RenderableStore } from './render-store.ts';
import { crdValidator } from '../test/support/crd-schema.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HELM = process.env.HELM_BIN ?? join(ROOT, '.tools', 'bin', 'helm');
const validateApplication = crdValidator('argocd-application-crd.yaml');
const first = FIXTURES[0]!;

function files(store: RenderableStore, settings = SETTINGS): Record<string, string> {
  return Object.fromEntries(renderStore(store, settings).map((f) => [f.path, f.content]));
}

describe(renderStore.name, () => {
  for (const fixture of FIXTURES) {
    it(`renders the ${fixture.name} fixture exactly as its snapshot`, async () => {
      for (const file of renderStore(fixture.store, fixture.settings)) {
        const name = file.path.split('/').pop();
        await expect(file.content).toMatchFileSnapshot(`./__snapshots__/render-store/${fixture.name}/${name}`);
      }
    });

    it(`renders an Application valid against the Argo CD CRD and models for ${fixture.name}`, () => {
      const out = renderStore(fixture.store, fixture.settings);
      const app = parse(out.find((f) => f.path.endsWith('/application.yaml'))!.content);
      expect(validateApplication(app)).toEqual([]);
      expect(() => new Application(app).validate()).not.toThrow();
      expect(validateObject(app)).toEqual([]); // the sim's API-server validator, written independently
    });
  }

  for (const fixture of FIXTURES.filter((f) => Object.keys(f.store.sealedSecrets).length === STORE_SECRET_KEYS.length)) {
    it(`renders values the real chart accepts with real helm, sealed into store-secrets for ${fixture.name}`, async () => {
      const { store } = fixture;
      const dir = await mkdtemp(join(tmpdir(), 'render-helm-'));
      try {
        const values = renderStore(store, fixture.settings).find((f) => f.path.endsWith('/values.yaml'))!;
        await writeFile(join(dir, 'values.yaml'), values.content);
        const { stdout } = await promisify(execFile)(
          HELM,
          ['template', `store-${store.id}`, join(ROOT, 'charts/woocommerce-store'), '--namespace', `store-${store.id}`, '-f', join(dir, 'values.yaml')],
          { maxBuffer: 32 * 1024 * 1024 },
        );
        const docs = parseAllDocuments(stdout)
          .map((d) => d.toJS())
          .filter(Boolean);
        const sealed = docs.filter((d) => d.kind === 'SealedSecret');
        expect(sealed).toHaveLength(1);
        expect(sealed[0].metadata).toMatchObject({ name: 'store-secrets', namespace: `store-${store.id}` });
        expect(sealed[0].spec.encryptedData).toEqual(store.sealedSecrets);
        expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
        expect(docs.find((d) => d.kind === 'Namespace')?.metadata?.name).toBe(`store-${store.id}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it('gives the real chart custom domains it puts on the Ingress (rules and the one TLS entry) and a primary WordPress calls home', async () => {
    const fixture = FIXTURES.find((f) => f.name === 'custom-domains')!;
    const dir = await mkdtemp(join(tmpdir(), 'render-helm-'));
    try {
      const values = renderStore(fixture.store, fixture.settings).find((f) => f.path.endsWith('/values.yaml'))!;
      await writeFile(join(dir, 'values.yaml'), values.content);
      const { stdout } = await promisify(execFile)(HELM, ['template', 's', join(ROOT, 'charts/woocommerce-store'), '-f', join(dir, 'values.yaml')], {
        maxBuffer: 32 * 1024 * 1024,
      });
      const ingress = parseAllDocuments(stdout)
        .map((d) => d.toJS())
        .find((d) => d?.kind === 'Ingress');
      const hosts = [fixture.store.domain, ...fixture.store.customDomains!];
      expect(ingress.spec.tls).toEqual([{ hosts, secretName: `store-${fixture.store.id}-tls` }]);
      expect(ingress.spec.rules.map((r: { host: string }) => r.host)).toEqual(hosts);
      expect(stdout).toContain(`define('WP_HOME', 'https://${fixture.store.primaryDomain}')`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is byte-stable: same input, same bytes, whatever the key order of the sealed secrets', () => {
    const reversed: RenderableStore = {
      ...first.store,
      sealedSecrets: Object.fromEntries(Object.entries(first.store.sealedSecrets).reverse()),
    };
    const a = renderStore(first.store, SETTINGS);
    const b = renderStore(structuredClone(first.store), { ...SETTINGS });
    const c = renderStore(reversed, SETTINGS);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('writes exactly application.yaml and values.yaml in the store folder, never overrides.yaml', () => {
    const out = renderStore(first.store, SETTINGS);
    expect(out.map((f) => f.path)).toEqual([`stores/${first.store.id}/application.yaml`, `stores/${first.store.id}/values.yaml`]);
  });

  it('renders the Application contract: name, labels, finalizer, project, destination, sync policy, info', () => {
    const id = first.store.id;
    const app = parse(files(first.store)[`stores/${id}/application.yaml`]!);
    expect(app.metadata).toMatchObject({
      name: `store-${id}`,
      namespace: 'argocd',
      labels: {
        'store-platform.io/managed-by': 'store-platform',
        'store-platform.io/store-id': id,
        'store-platform.io/owner': first.store.ownerId,
      },
      annotations: { 'argocd.argoproj.io/manifest-generate-paths': `/stores/${id};/charts/woocommerce-store` },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    });
    expect(app.spec.project).toBe('stores');
    expect(app.spec.source).toEqual({
      repoURL: SETTINGS.repoUrl,
      targetRevision: 'main',
      path: 'charts/woocommerce-store',
      helm: {
        valueFiles: [`../../stores/${id}/values.yaml`, `../../stores/${id}/overrides.yaml`],
        ignoreMissingValueFiles: true,
      },
    });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: `store-${id}` });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toEqual(['ServerSideApply=true']);
    expect(app.spec.syncPolicy.syncOptions.join()).not.toContain('CreateNamespace');
    expect(app.spec.syncPolicy.retry.limit).toBeGreaterThan(0);
    expect(app.spec.syncPolicy.retry.backoff.factor).toBeGreaterThan(1);
    expect(app.spec.info).toEqual([
      { name: 'Store', value: 'Acme Shoes' },
      { name: 'Owner', value: first.store.ownerId },
      { name: 'URL', value: 'https://acme.shops.example.com' },
    ]);
  });

  it('resolves value files relative to a deeper chart path back to the repo root', () => {
    const custom = FIXTURES.find((f) => f.name === 'custom-argocd-and-chart-path')!;
    const id = custom.store.id;
    const app = parse(files(custom.store, custom.settings)[`stores/${id}/application.yaml`]!);
    expect(app.spec.source.helm.valueFiles).toEqual([`../../../stores/${id}/values.yaml`, `../../../stores/${id}/overrides.yaml`]);
    expect(app.metadata.namespace).toBe('gitops-system');
  });

  it('renders values with the store identity and every sealed key, and keeps YAML-ambiguous strings strings', () => {
    const custom = FIXTURES.find((f) => f.name === 'custom-argocd-and-chart-path')!;
    const values = parse(files(custom.store, custom.settings)[`stores/${custom.store.id}/values.yaml`]!);
    expect(values.store).toEqual({ id: custom.store.id, name: 'true', domain: 'x.io', owner: '1e10' });
    const full = parse(files(first.store)[`stores/${first.store.id}/values.yaml`]!);
    expect(Object.keys(full.secrets.sealed.encryptedData).sort()).toEqual([...STORE_SECRET_KEYS].sort());
    expect(full.secrets.sealed.enabled).toBe(true);
    expect(full.secrets.sealed.encryptedData).toEqual(first.store.sealedSecrets);
  });

  it('renders a retry attempt as an Application annotation, so a retry is a new commit; attempt 0 renders as none', () => {
    expect(renderStore({ ...first.store, attempt: 0 }, SETTINGS)).toEqual(renderStore(first.store, SETTINGS));
    const retried = renderStore({ ...first.store, attempt: 2 }, SETTINGS);
    const app = parse(retried[0]!.content);
    expect(app.metadata.annotations['store-platform.io/attempt']).toBe('2');
    expect(validateApplication(app)).toEqual([]);
    expect(retried[1]).toEqual(renderStore(first.store, SETTINGS)[1]); // values (and secrets) unchanged
  });

  it('renders verified custom domains as ingress.extraHosts and the primary as store.primaryDomain and the URL; none renders as before', () => {
    expect(renderStore({ ...first.store, customDomains: [] }, SETTINGS)).toEqual(renderStore(first.store, SETTINGS));
    const out = renderStore({ ...first.store, customDomains: ['shop.acme.example', 'www.acme.example'], primaryDomain: 'www.acme.example' }, SETTINGS);
    const values = parse(out[1]!.content);
    expect(values.ingress.extraHosts).toEqual(['shop.acme.example', 'www.acme.example']);
    expect(values.store.primaryDomain).toBe('www.acme.example');
    expect(values.store.domain).toBe(first.store.domain);
    expect(parse(out[0]!.content).spec.info).toContainEqual({ name: 'URL', value: 'https://www.acme.example' });
  });

  it('refuses a custom domain that is not a host, repeats the default or itself, and a primary that is not a custom domain', () => {
    expect(() => renderStore({ ...first.store, customDomains: ['not a host'] }, SETTINGS)).toThrow(RenderError);
    expect(() => renderStore({ ...first.store, customDomains: [first.store.domain] }, SETTINGS)).toThrow(RenderError);
    expect(() => renderStore({ ...first.store, customDomains: ['a.example', 'a.example'] }, SETTINGS)).toThrow(RenderError);
    expect(() => renderStore({ ...first.store, customDomains: ['a.example'], primaryDomain: 'b.example' }, SETTINGS)).toThrow(RenderError);
  });

  it('never folds long lines (sealed blobs stay on one line)', () => {
    const long = { ...first.store, sealedSecrets: { 'mysql-password': Buffer.alloc(700, 7).toString('base64') } };
    const values = files(long)[`stores/${long.id}/values.yaml`]!;
    expect(values).toContain(`mysql-password: ${long.sealedSecrets['mysql-password']}\n`);
  });

  it.each([
    ['an upper-case id', { id: 'ABC' }],
    ['an id too long for a namespace name', { id: 'a'.repeat(58) }],
    ['a domain with a scheme', { domain: 'https://acme.example.com' }],
    ['an owner id that is not a label value', { ownerId: 'a b' }],
    ['a sealed value that is not base64', { sealedSecrets: { AUTH_KEY: 'not base64!' } }],
    ['a negative attempt', { attempt: -1 }],
  ])('rejects %s with a RenderError', (_what, patch) => {
    expect(() => renderStore({ ...first.store, ...patch }, SETTINGS)).toThrow(RenderError);
  });
});
