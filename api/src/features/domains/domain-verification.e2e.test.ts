import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../../../test/support/pipeline-harness.ts';
import { startDnsServer, type DnsServer } from '../../../test/support/dns-server.ts';
import { DnsTxtResolver } from './txt-resolver.ts';

/**
 * Custom domains end to end: a real DNS server (dnsmasq on loopback), the verification job on the real
 * worker, real PostgreSQL, git, helm and the sim. Claims live 20 s here (DOMAIN_VERIFICATION_TIMEOUT_MS),
 * checked every 200–500 ms, so "pending then expired" happens within the test.
 */
let h: PipelineHarness;
let dns: DnsServer;
beforeAll(async () => {
  dns = await startDnsServer();
  h = await startPipelineHarness({
    DNS_RESOLVERS: dns.address,
    DOMAIN_VERIFICATION_TIMEOUT_MS: '20000',
    DOMAIN_CHECK_INTERVAL_MS: '200',
    DOMAIN_CHECK_MAX_INTERVAL_MS: '500',
    BASE_DOMAIN: 'shops.example.net',
  });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await dns?.stop();
});

const git = (...args: string[]) => execFileSync('git', ['--git-dir', h.repoPath, ...args], { encoding: 'utf8' });
const commitsOf = (id: string) => Number(git('rev-list', '--count', 'main', '--', `stores/${id}`).trim());

async function waitFor<T>(what: string, read: () => Promise<T>, until: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (until(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what}: not reached; last ${JSON.stringify(last)}`);
}

const ingressHosts = (id: string): string[] => {
  const ing = h.sim.store.list('networking.k8s.io/v1', 'Ingress', { namespace: `store-${id}` })[0] as { spec: { rules: Array<{ host: string }> } } | undefined;
  return ing?.spec.rules.map((r) => r.host) ?? [];
};
const certificateHosts = (id: string): string[] =>
  (h.sim.store.get('cert-manager.io/v1', 'Certificate', `store-${id}`, `store-${id}-tls`) as { spec?: { dnsNames?: string[] } } | undefined)?.spec?.dnsNames ??
  [];

describe('custom domains against a real DNS server (dnsmasq), end to end', () => {
  it('the real resolver reads dnsmasq: the exact record, and none for an unknown name', async () => {
    await dns.setTxt({ '_store-platform-challenge.probe.example': ['t0k3n'] });
    const r = new DnsTxtResolver({ servers: [dns.address], timeoutMs: 1000 });
    expect(await r.resolveTxt('_store-platform-challenge.probe.example')).toEqual({ kind: 'records', records: ['t0k3n'] });
    expect(await r.resolveTxt('_store-platform-challenge.nothing.example')).toEqual({ kind: 'none' });
  });

  it('no record → pending, then expired; a wrong token stays pending; the right one → verified → Ingress and Certificate carry it; another tenant → 409; primary; delete → one commit, gone from the Ingress', async () => {
    const owner = await h.signUp();
    const created = await h.request('POST', '/api/v1/stores', { token: owner.token, body: { name: 'bakery' } });
    expect(created.status).toBe(202);
    const id: string = created.body.id;
    await h.waitForStore(owner.token, id, (s) => s.status === 'Ready', 90_000);
    const path = `/api/v1/stores/${id}/domains`;

    const claim = await h.request('POST', path, { token: owner.token, body: { domain: 'Shop.Bakery.Example' } });
    expect(claim.status).toBe(201);
    expect(claim.body).toMatchObject({ domain: 'shop.bakery.example', status: 'pending', primary: false, certificate: { status: 'none' } });
    expect(claim.body.record).toEqual({ type: 'TXT', name: '_store-platform-challenge.shop.bakery.example', value: expect.stringMatching(/^[\w-]{32}$/) });
    const lapsing = await h.request('POST', path, { token: owner.token, body: { domain: 'lapsing.bakery.example' } });
    const wrong = await h.request('POST', path, { token: owner.token, body: { domain: 'wrong.bakery.example' } });
    expect([lapsing.status, wrong.status]).toEqual([201, 201]);

    // Another tenant may hold a pending claim of the same domain meanwhile; the platform's own domains are refused.
    const rival = await h.signUp();
    const rivalStore = (await h.request('POST', '/api/v1/stores', { token: rival.token, body: { name: 'rival' } })).body.id as string;
    const rivalPath = `/api/v1/stores/${rivalStore}/domains`;
    expect((await h.request('POST', rivalPath, { token: rival.token, body: { domain: 'shop.bakery.example' } })).status).toBe(201);
    const reserved = await h.request('POST', rivalPath, { token: rival.token, body: { domain: 'bakery.shops.example.net' } });
    expect(reserved.status).toBe(422);
    expect(reserved.body.errors[0]).toMatchObject({ field: 'domain', code: 'domain_reserved' });
    expect((await h.request('POST', rivalPath, { token: owner.token, body: { domain: 'x.bakery.example' } })).status).toBe(403);

    const before = commitsOf(id);
    await dns.setTxt({
      '_store-platform-challenge.shop.bakery.example': ['v=spf1 -all', claim.body.record.value],
      '_store-platform-challenge.wrong.bakery.example': ['not-the-token'],
    });

    const list = () => h.request('GET', path, { token: owner.token }).then((r) => r.body.items as any[]);
    const byName = (items: any[], d: string) => items.find((i) => i.domain === d);
    // The job (not "check now") finds the record.
    const verified = await waitFor('shop verified', list, (items) => byName(items, 'shop.bakery.example')?.status === 'verified');
    expect(byName(verified, 'shop.bakery.example').lastCheck.result).toMatch(/matches/);
    // The wrong record's own next check may come a little after (each claim has its own back-off).
    const wrongSeen = await waitFor('wrong token seen', list, (items) => /token/.test(byName(items, 'wrong.bakery.example')?.lastCheck?.result ?? ''));
    expect(byName(wrongSeen, 'wrong.bakery.example')).toMatchObject({
      status: 'pending',
      lastCheck: { result: expect.stringContaining("none with this claim's token") },
    });

    // One commit puts the host on the store's Ingress and its certificate; the Certificate becomes Ready with it.
    await waitFor(
      'Ingress and Certificate carry the domain',
      async () => ({ ingress: ingressHosts(id), cert: certificateHosts(id) }),
      (v) => v.ingress.includes('shop.bakery.example') && v.cert.includes('shop.bakery.example'),
    );
    expect(ingressHosts(id)).toEqual(['bakery.shops.example.net', 'shop.bakery.example']);
    expect(commitsOf(id)).toBe(before + 1);
    const certReady = await waitFor('certificate ready', list, (items) => byName(items, 'shop.bakery.example')?.certificate.status === 'ready');
    expect(byName(certReady, 'shop.bakery.example').certificate).toEqual({ status: 'ready', message: null });
    await h.waitForStore(owner.token, id, (s) => s.status === 'Ready');

    // The rival's pending claim lost; a new claim of a verified domain is a 409.
    const rivalItems = (await h.request('GET', rivalPath, { token: rival.token })).body.items;
    expect(rivalItems[0]).toMatchObject({ status: 'failed', reason: 'Another store proved ownership of this domain first.' });
    const third = await h.signUp();
    const thirdStore = (await h.request('POST', '/api/v1/stores', { token: third.token, body: { name: 'third' } })).body.id as string;
    const taken = await h.request('POST', `/api/v1/stores/${thirdStore}/domains`, { token: third.token, body: { domain: 'shop.bakery.example' } });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('domain_taken');

    // Without a record the claim expires; the wrong token never verifies.
    const expired = await waitFor('lapsing expired', list, (items) => byName(items, 'lapsing.bakery.example')?.status === 'expired', 60_000);
    expect(byName(expired, 'lapsing.bakery.example').reason).toMatch(/Not verified within/);
    const check = await h.request('POST', `${path}/lapsing.bakery.example/check`, { token: owner.token });
    expect(check.status).toBe(409);

    // The verified domain becomes the URL shown; only one primary.
    const primary = await h.request('PATCH', `${path}/shop.bakery.example`, { token: owner.token, body: { primary: true } });
    expect(primary.body).toMatchObject({ primary: true, status: 'verified' });
    const notVerified = await h.request('PATCH', `${path}/wrong.bakery.example`, { token: owner.token, body: { primary: true } });
    expect(notVerified.status).toBe(409);
    expect((await h.request('GET', `/api/v1/stores/${id}`, { token: owner.token })).body.url).toBe('https://shop.bakery.example');
    await waitFor(
      'primary committed',
      async () => commitsOf(id),
      (n) => n === before + 2,
    );
    await h.waitForStore(owner.token, id, (s) => s.status === 'Ready');

    // Delete: one commit, the host leaves the Ingress and the certificate, the URL falls back to the default.
    const removed = await h.request('DELETE', `${path}/shop.bakery.example`, { token: owner.token });
    expect(removed.status).toBe(204);
    await waitFor(
      'host gone from the Ingress',
      async () => ingressHosts(id),
      (hosts) => hosts.length > 0 && !hosts.includes('shop.bakery.example'),
    );
    expect(ingressHosts(id)).toEqual(['bakery.shops.example.net']);
    await waitFor(
      'certificate without the host',
      async () => certificateHosts(id),
      (c) => c.length > 0 && !c.includes('shop.bakery.example'),
    );
    expect(commitsOf(id)).toBe(before + 3);
    expect((await h.request('GET', `/api/v1/stores/${id}`, { token: owner.token })).body.url).toBe('https://bakery.shops.example.net');
    expect(byName(await list(), 'shop.bakery.example')).toBeUndefined();
    const audit = await h.platform.knex('audit_events').where({ store_id: id }).pluck('action');
    expect(audit).toEqual(expect.arrayContaining(['domain.claim', 'domain.verified', 'domain.expired', 'domain.primary', 'domain.remove']));
  }, 180_000);
});
