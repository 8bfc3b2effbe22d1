import { Router } from 'express';
import type { ApiRegistry } from '../../http/api-registry.ts';
import { actorOf } from '../../auth/actor.ts';
import { StoreIdParams } from '../stores/store.schema.ts';
import type { DomainService } from './domain-service.ts';
import { AddDomainBody, DomainParams, StoreDomain, StoreDomainList, UpdateDomainBody } from './domain.schema.ts';
import { presentDomain } from './domain-presenter.ts';

type Deps = { domains: DomainService; registry: ApiRegistry; prefix: string };

/** Every /stores/:id/domains route: parse (the registry), one service call, present. */
export function domainController({ domains, registry, prefix }: Deps): Router {
  const router = Router();
  const problems = {
    401: { description: 'Not authenticated' },
    403: { description: 'The store belongs to another user' },
    404: { description: 'No such store (or domain of the store)' },
    422: { description: 'Validation failed (a bad id or domain; `domain_reserved` for the platform’s own domains)' },
  };

  registry.endpoint(
    router,
    prefix,
    {
      method: 'post',
      path: '/stores/:id/domains',
      summary: 'Claim a custom domain: answers the TXT record to publish; the platform checks it with back-off until verified or expired',
      tag: 'domains',
      params: StoreIdParams,
      body: AddDomainBody,
      responses: {
        201: { description: 'The claim (pending) and the record to publish', schema: StoreDomain },
        409: { description: '`domain_taken`: another store holds the domain; `domain_exists`: this store has it; `store_deleting`' },
        ...problems,
      },
    },
    async ({ params, body }, req, res) => {
      const claim = await domains.add(actorOf(req), params.id, body.domain);
      res.location(`${prefix}/stores/${params.id}/domains/${claim.domain}`);
      res.status(201).json(presentDomain(await domains.get(actorOf(req), params.id, claim.domain)));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'get',
      path: '/stores/:id/domains',
      summary: 'The store’s custom domains: verification state, the record to publish, the last check and the certificate’s status',
      tag: 'domains',
      params: StoreIdParams,
      responses: { 200: { description: 'Claims, oldest first', schema: StoreDomainList }, ...problems },
    },
    async ({ params }, req, res) => {
      res.json({ items: (await domains.list(actorOf(req), params.id)).map(presentDomain) });
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'post',
      path: '/stores/:id/domains/:domain/check',
      summary: 'Look the TXT record up now (a verified domain is answered as it is)',
      tag: 'domains',
      params: DomainParams,
      responses: {
        200: { description: 'The claim after the check', schema: StoreDomain },
        409: { description: '`claim_ended`: the claim expired or failed; add the domain again' },
        ...problems,
      },
    },
    async ({ params }, req, res) => {
      res.json(presentDomain(await domains.checkNow(actorOf(req), params.id, params.domain)));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'patch',
      path: '/stores/:id/domains/:domain',
      summary: 'Make a verified domain the store’s URL (primary: true), or go back to the default domain (primary: false); one commit',
      tag: 'domains',
      params: DomainParams,
      body: UpdateDomainBody,
      responses: {
        200: { description: 'The domain', schema: StoreDomain },
        409: { description: '`not_verified`: only a verified domain can be primary; `store_deleting`' },
        ...problems,
      },
    },
    async ({ params, body }, req, res) => {
      res.json(presentDomain(await domains.setPrimary(actorOf(req), params.id, params.domain, body.primary)));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'delete',
      path: '/stores/:id/domains/:domain',
      summary: 'Remove a custom domain (a verified one leaves the store’s Ingress and certificate in one commit)',
      tag: 'domains',
      params: DomainParams,
      responses: { 204: { description: 'Removed' }, 409: { description: '`store_deleting`' }, ...problems },
    },
    async ({ params }, req, res) => {
      await domains.remove(actorOf(req), params.id, params.domain);
      res.status(204).end();
    },
  );

  return router;
}
