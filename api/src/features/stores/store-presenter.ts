import type { StoreModel } from '../../db/models/store-model.ts';
import type { StoreEventModel } from '../../db/models/store-event-model.ts';
import type { z } from 'zod';
import { showsAccess } from './store-lifecycle.ts';
import { presentSuspension } from './store-suspension-presenter.ts';
import type { StoreDetail, StoreEvent, StoreSummary } from './store.schema.ts';

const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

const hasAccess = (s: StoreModel) => showsAccess({ status: s.status, readyAt: s.ready_at });

/** The host the store is shown at: its primary custom domain, else its default domain. */
const shownHost = (s: StoreModel) => s.primary_domain ?? s.domain;

/**
 * The fields of a store any caller who may see it gets. Names every field, so no column leaks; typed by
 * the response schema, so a field the OpenAPI document does not describe fails `tsc`.
 */
export function presentStoreSummary(s: StoreModel): z.infer<typeof StoreSummary> {
  return {
    id: s.id,
    name: s.name,
    domain: s.domain,
    status: s.status,
    phase: s.phase,
    message: s.message,
    plan: s.plan,
    ...(hasAccess(s) ? { url: `https://${shownHost(s)}` } : {}),
    ownerId: s.owner_id,
    ...presentSuspension(s),
    createdAt: iso(s.created_at)!,
    updatedAt: iso(s.updated_at)!,
  };
}

/** A store in full; credentials only when given (the controller decides: the owner of a store once Ready). */
export function presentStore(s: StoreModel, credentials?: { username: string; password: string }): z.infer<typeof StoreDetail> {
  return {
    ...presentStoreSummary(s),
    ...(hasAccess(s) ? { adminUrl: `https://${shownHost(s)}/wp-admin/` } : {}),
    commitSha: s.commit_sha,
    readyAt: iso(s.ready_at),
    ...(credentials && hasAccess(s) ? { credentials } : {}),
  };
}

export function presentStoreEvent(e: StoreEventModel): z.infer<typeof StoreEvent> {
  return { id: Number(e.id), status: e.status, phase: e.phase, reason: e.reason, message: e.message, at: iso(e.created_at)! };
}
