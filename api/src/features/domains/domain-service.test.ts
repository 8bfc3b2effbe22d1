import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import { AppError } from '../../errors/app-error.ts';
import { JOBS } from '../../jobs/job-queue.ts';
import { presentStore } from '../stores/store-presenter.ts';
import { certificateOf, DomainService } from './domain-service.ts';
import { challengeName, nextCheckDelayMs } from './domain-verification.ts';

async function setup() {
  const f = createFakeServices();
  const owner = await f.actors.user();
  const store = f.repos.stores.seed({ owner_id: owner.userId, name: 'bakery', domain: 'bakery.shops.example.net', status: 'Ready', phase: 'ready' });
  const domains = f.services.domains;
  /** Runs every scheduled domain check enqueued so far (as the worker would, once each is due). */
  const runChecks = async () => {
    const due = f.jobs.jobs.filter((j) => j.name === JOBS.verifyDomain);
    f.jobs.jobs.splice(0, f.jobs.jobs.length, ...f.jobs.jobs.filter((j) => j.name !== JOBS.verifyDomain));
    for (const j of due) await domains.runScheduledCheck(String(j.data.domainId));
    return due;
  };
  return { ...f, owner, store, domains, runChecks };
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe(DomainService.name, () => {
  it('claims a domain with a random token to publish at _store-platform-challenge.<domain> and schedules its first check', async () => {
    const { domains, owner, store, jobs, config } = await setup();
    const claim = await domains.add(owner, store.id, 'shop.bakery.example');
    expect(claim).toMatchObject({ status: 'pending', domain: 'shop.bakery.example', checks: 0 });
    expect(claim.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(challengeName(claim.domain)).toBe('_store-platform-challenge.shop.bakery.example');
    expect(claim.expires_at.getTime() - Date.parse('2026-12-01T12:00:00Z')).toBe(72 * 3_600_000);
    expect(jobs.jobs).toEqual([
      expect.objectContaining({ name: JOBS.verifyDomain, data: { domainId: claim.id, storeId: store.id }, delayMs: config.domains.checkIntervalMs }),
    ]);
    const other = await domains.add(owner, store.id, 'www.bakery.example');
    expect(other.token).not.toBe(claim.token);
  });

  it('refuses the platform’s domains (422), another store’s default domain, the store’s own default and a repeat (409)', async () => {
    const { domains, owner, store, repos, actors } = await setup();
    expect((await rejection(domains.add(owner, store.id, 'other.shops.example.net'))).status).toBe(422);
    expect((await rejection(domains.add(owner, store.id, 'shops.example.net'))).status).toBe(422);
    const neighbour = await actors.user();
    repos.stores.seed({ owner_id: neighbour.userId, name: 'neighbour', domain: 'neighbour.example' });
    expect(await rejection(domains.add(owner, store.id, 'neighbour.example'))).toMatchObject({ status: 409, code: 'domain_taken' });
    expect(await rejection(domains.add(owner, store.id, store.domain))).toMatchObject({ status: 409, code: 'domain_exists' });
    await domains.add(owner, store.id, 'shop.bakery.example');
    expect(await rejection(domains.add(owner, store.id, 'shop.bakery.example'))).toMatchObject({ status: 409, code: 'domain_exists' });
    expect(repos.domains.rows.size).toBe(1);
  });

  it('keeps another user out (403) and refuses a store being deleted (409)', async () => {
    const { domains, store, actors, repos, owner } = await setup();
    const stranger = await actors.user();
    expect((await rejection(domains.add(stranger, store.id, 'shop.bakery.example'))).status).toBe(403);
    expect((await rejection(domains.list(stranger, store.id))).status).toBe(403);
    const leaving = repos.stores.seed({ owner_id: owner.userId, name: 'leaving', status: 'Deleting', phase: 'deleting' });
    expect(await rejection(domains.add(owner, leaving.id, 'leaving.example'))).toMatchObject({ status: 409, code: 'store_deleting' });
  });

  it('checks with back-off: no record stays pending with the finding recorded, the next check 10 s, 20 s, 40 s … later, capped', async () => {
    const { domains, owner, store, jobs, runChecks, clock } = await setup();
    await domains.add(owner, store.id, 'shop.bakery.example');
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.ms += 1000;
      await runChecks();
      delays.push(jobs.jobs.find((j) => j.name === JOBS.verifyDomain)!.delayMs!);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000]);
    const [view] = await domains.list(owner, store.id);
    expect(view!.claim).toMatchObject({
      status: 'pending',
      checks: 4,
      last_check_result: 'No TXT record at _store-platform-challenge.shop.bakery.example yet.',
    });
    expect(nextCheckDelayMs(40, { checkIntervalMs: 10_000, maxCheckIntervalMs: 3_600_000 })).toBe(3_600_000);
  });

  it('keeps a claim pending while the record holds another token, or the resolver fails', async () => {
    const { domains, owner, store, dns, runChecks, repos } = await setup();
    const claim = await domains.add(owner, store.id, 'shop.bakery.example');
    dns.publish(challengeName(claim.domain), 'someone-elses-token', 'v=spf1 -all');
    await runChecks();
    expect((await repos.domains.findById(claim.id))!).toMatchObject({
      status: 'pending',
      last_check_result: expect.stringContaining("none with this claim's token"),
    });
    dns.failing = true;
    await runChecks();
    expect((await repos.domains.findById(claim.id))!).toMatchObject({ status: 'pending', last_check_result: expect.stringContaining('ETIMEOUT') });
    expect(repos.stores.rows.get(store.id)!.custom_domains).toEqual([]);
  });

  it('verifies the exact token: the domain joins the store’s desired state (generation bumped, one provision job), the event and the audit are written', async () => {
    const { domains, owner, store, dns, runChecks, repos, jobs, domainEvents } = await setup();
    const claim = await domains.add(owner, store.id, 'shop.bakery.example');
    dns.publish(challengeName(claim.domain), 'v=spf1 -all', `  ${claim.token} `);
    await runChecks();
    const row = repos.stores.rows.get(store.id)!;
    expect((await repos.domains.findById(claim.id))!.status).toBe('verified');
    expect(row).toMatchObject({ custom_domains: ['shop.bakery.example'], generation: store.generation + 1, status: 'Ready', phase: 'ready' });
    expect(jobs.for(store.id)).toEqual([JOBS.provisionStore]); // and no further check scheduled
    expect(domainEvents).toEqual([
      { type: 'domain.verified', userId: owner.userId, storeId: store.id, data: { domain: 'shop.bakery.example', verifiedAt: expect.any(String) } },
    ]);
    expect(repos.audit.rows.map((r) => r.action)).toContain('domain.verified');
    expect(repos.stores.timeline.at(-1)).toMatchObject({ reason: 'DomainVerified' });
    // a stale job of the same claim changes nothing
    await domains.runScheduledCheck(claim.id);
    expect(repos.stores.rows.get(store.id)!.generation).toBe(store.generation + 1);
  });

  it('expires an unverified claim at its deadline; check now then answers 409 and a new claim starts over', async () => {
    const { domains, owner, store, runChecks, clock, config, repos } = await setup();
    const claim = await domains.add(owner, store.id, 'shop.bakery.example');
    clock.ms += config.domains.verificationTimeoutMs;
    expect((await domains.list(owner, store.id))[0]!.claim).toMatchObject({ status: 'expired', reason: expect.stringContaining('72 h') }); // shown as expired before the job runs
    await runChecks();
    expect((await repos.domains.findById(claim.id))!).toMatchObject({ status: 'expired', reason: expect.stringContaining('72 h') });
    expect(await rejection(domains.checkNow(owner, store.id, claim.domain))).toMatchObject({ status: 409, code: 'claim_ended' });
    const again = await domains.add(owner, store.id, claim.domain);
    expect(again).toMatchObject({ status: 'pending', checks: 0 });
    expect(again.token).not.toBe(claim.token);
  });

  it('lets two tenants hold pending claims; the first to verify wins, the other fails with a reason, a later claim is 409', async () => {
    const { domains, owner, store, dns, repos, actors } = await setup();
    const rival = await actors.user();
    const rivalStore = repos.stores.seed({ owner_id: rival.userId, name: 'rival', domain: 'rival.shops.example.net', status: 'Ready', phase: 'ready' });
    const mine = await domains.add(owner, store.id, 'shop.bakery.example');
    const theirs = await domains.add(rival, rivalStore.id, 'shop.bakery.example');
    dns.publish(challengeName('shop.bakery.example'), theirs.token);
    await domains.checkNow(rival, rivalStore.id, 'shop.bakery.example');
    expect((await repos.domains.findById(theirs.id))!.status).toBe('verified');
    expect((await repos.domains.findById(mine.id))!).toMatchObject({ status: 'failed', reason: 'Another store proved ownership of this domain first.' });
    expect(await rejection(domains.add(owner, store.id, 'shop.bakery.example'))).toMatchObject({ status: 409, code: 'domain_taken' });
    expect(repos.stores.rows.get(store.id)!.custom_domains).toEqual([]);
  });

  it('makes a verified domain primary (exactly one, the URL shown), and back to the default; a pending one cannot be', async () => {
    const { domains, owner, store, dns, repos } = await setup();
    const a = await domains.add(owner, store.id, 'shop.bakery.example');
    const b = await domains.add(owner, store.id, 'www.bakery.example');
    expect(await rejection(domains.setPrimary(owner, store.id, a.domain, true))).toMatchObject({ status: 409, code: 'not_verified' });
    dns.publish(challengeName(a.domain), a.token);
    dns.publish(challengeName(b.domain), b.token);
    await domains.checkNow(owner, store.id, a.domain);
    await domains.checkNow(owner, store.id, b.domain);
    const before = repos.stores.rows.get(store.id)!.generation;
    await domains.setPrimary(owner, store.id, a.domain, true);
    await domains.setPrimary(owner, store.id, b.domain, true);
    await domains.setPrimary(owner, store.id, b.domain, true); // again: nothing changes
    const views = await domains.list(owner, store.id);
    expect(views.filter((v) => v.primary).map((v) => v.claim.domain)).toEqual([b.domain]);
    const row = repos.stores.rows.get(store.id)!;
    expect(row.generation).toBe(before + 2);
    expect(presentStore(Object.assign(row, { ready_at: new Date() })).url).toBe('https://www.bakery.example');
    await domains.setPrimary(owner, store.id, b.domain, false);
    expect(repos.stores.rows.get(store.id)!.primary_domain).toBeNull();
  });

  it('removes a verified domain from the desired state in one change (and the primary with it); a pending one just goes', async () => {
    const { domains, owner, store, dns, repos, jobs } = await setup();
    const a = await domains.add(owner, store.id, 'shop.bakery.example');
    const p = await domains.add(owner, store.id, 'pending.bakery.example');
    dns.publish(challengeName(a.domain), a.token);
    await domains.checkNow(owner, store.id, a.domain);
    await domains.setPrimary(owner, store.id, a.domain, true);
    const before = repos.stores.rows.get(store.id)!.generation;
    jobs.jobs.length = 0;
    await domains.remove(owner, store.id, p.domain);
    expect(repos.stores.rows.get(store.id)!.generation).toBe(before);
    await domains.remove(owner, store.id, a.domain);
    expect(repos.stores.rows.get(store.id)!).toMatchObject({ custom_domains: [], primary_domain: null, generation: before + 1 });
    expect(jobs.for(store.id)).toEqual([JOBS.provisionStore]);
    expect(await domains.list(owner, store.id)).toEqual([]);
    expect((await rejection(domains.remove(owner, store.id, a.domain))).status).toBe(404);
  });

  it('reads the certificate status from the store’s Certificate: pending until it lists the domain, issuing, ready; unknown when the cluster is down', async () => {
    const { domains, owner, store, dns, cluster } = await setup();
    const a = await domains.add(owner, store.id, 'shop.bakery.example');
    expect((await domains.get(owner, store.id, a.domain)).certificate.status).toBe('none');
    dns.publish(challengeName(a.domain), a.token);
    await domains.checkNow(owner, store.id, a.domain);
    const { namespace, name } = certificateOf(store.id);
    const key = `${namespace}/${name}`;
    cluster.certificates.set(key, { dnsNames: [store.domain], ready: true, message: null });
    expect((await domains.get(owner, store.id, a.domain)).certificate.status).toBe('pending');
    cluster.certificates.set(key, { dnsNames: [store.domain, a.domain], ready: false, message: 'Issuing' });
    expect((await domains.get(owner, store.id, a.domain)).certificate).toEqual({ status: 'issuing', message: 'Issuing' });
    cluster.certificates.set(key, { dnsNames: [store.domain, a.domain], ready: true, message: null });
    expect((await domains.list(owner, store.id))[0]!.certificate.status).toBe('ready');
    cluster.down = true;
    expect((await domains.list(owner, store.id))[0]!.certificate.status).toBe('unknown');
  });

  it('keeps a verified custom domain from becoming a new store’s default domain (422 domain_taken)', async () => {
    const { domains, owner, store, dns, actors, services } = await setup();
    const claim = await domains.add(owner, store.id, 'shop.bakery.example');
    dns.publish(challengeName(claim.domain), claim.token);
    await domains.checkNow(owner, store.id, claim.domain);
    const other = await actors.user();
    const err = await rejection(services.stores.create(other, { name: 'copycat', domain: 'shop.bakery.example' }));
    expect(err).toMatchObject({ status: 422, errors: [expect.objectContaining({ field: 'domain', code: 'domain_taken' })] });
  });

  it('refuses <name>.<BASE_DOMAIN> as a custom domain when it is not the store’s own default (it is the platform’s)', async () => {
    const { domains, owner, repos } = await setup();
    const custom = repos.stores.seed({ owner_id: owner.userId, name: 'corner', domain: 'corner.example', status: 'Ready', phase: 'ready' });
    expect(await rejection(domains.add(owner, custom.id, 'corner.shops.example.net'))).toMatchObject({
      status: 422,
      errors: [expect.objectContaining({ code: 'domain_reserved' })],
    });
  });

  it('verifying for a store in Error keeps its status and failure message (the change waits for the retry’s commit)', async () => {
    const { domains, owner, repos, dns } = await setup();
    const broken = repos.stores.seed({ owner_id: owner.userId, name: 'broken', status: 'Error', phase: 'failed', message: 'Sync failed: quota exceeded' });
    const claim = await domains.add(owner, broken.id, 'broken.example');
    dns.publish(challengeName(claim.domain), claim.token);
    await domains.checkNow(owner, broken.id, claim.domain);
    expect(repos.stores.rows.get(broken.id)!).toMatchObject({
      status: 'Error',
      phase: 'failed',
      message: 'Sync failed: quota exceeded',
      custom_domains: ['broken.example'],
    });
  });

  it('the sweep expires overdue claims even when no check of theirs is left to run; others stay', async () => {
    const { domains, owner, store, clock, config, repos, jobs } = await setup();
    const old = await domains.add(owner, store.id, 'old.bakery.example');
    jobs.jobs.length = 0; // its chain of checks is gone
    clock.ms += config.domains.verificationTimeoutMs / 2;
    const fresh = await domains.add(owner, store.id, 'fresh.bakery.example');
    expect(await domains.expireOverdue()).toBe(0);
    clock.ms += config.domains.verificationTimeoutMs / 2;
    expect(await domains.expireOverdue()).toBe(1);
    expect((await repos.domains.findById(old.id))!.status).toBe('expired');
    expect((await repos.domains.findById(fresh.id))!.status).toBe('pending');
    expect(repos.audit.rows.filter((r) => r.action === 'domain.expired')).toHaveLength(1);
  });
});
