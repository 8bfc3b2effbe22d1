import type { Actions, PageServerLoad } from './$types';
import { failForm, problemToForm } from '#lib/server/problem-to-form.ts';
import { WEBHOOK_EVENT_TYPES, type WebhookDelivery, type WebhookEndpoint } from './webhook-types.ts';

/** Deliveries shown per endpoint on the page (the API keeps 50). */
const SHOWN_DELIVERIES = 10;

export const load: PageServerLoad = async ({ locals }) => {
  const { items } = await locals.api.get<{ items: WebhookEndpoint[] }>('/webhooks');
  const endpoints = await Promise.all(
    items.map(async (endpoint) => {
      const { items: deliveries } = await locals.api.get<{ items: WebhookDelivery[] }>(`/webhooks/${encodeURIComponent(endpoint.id)}/deliveries`);
      return { ...endpoint, deliveries: deliveries.slice(0, SHOWN_DELIVERIES) };
    }),
  );
  return { endpoints };
};

export const actions: Actions = {
  /** The signing secret is in this answer only: the page shows it once. */
  create: async ({ locals, request }) => {
    const form = await request.formData();
    const url = String(form.get('url') ?? '').trim();
    const events = form.getAll('events').map(String);
    const values = { url, events: events.join(',') };
    if (!url || events.length === 0)
      return failForm(422, 'Please correct the highlighted fields.', { url: url ? undefined : 'Give the URL to send events to.', events: events.length ? undefined : 'Choose at least one event.' }, values);
    if (events.some((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e))) return failForm(422, 'Choose events from the list.', { events: 'Choose events from the list.' }, values);
    try {
      const created = await locals.api.post<WebhookEndpoint & { secret: string }>('/webhooks', { url, events });
      return { created: { url: created.url, secret: created.secret } };
    } catch (err) {
      return problemToForm(err, { url: 'url', events: 'events' }, values);
    }
  },
  delete: async ({ locals, request }) => {
    const id = String((await request.formData()).get('id') ?? '');
    try {
      await locals.api.delete(`/webhooks/${encodeURIComponent(id)}`);
      return { deleted: true };
    } catch (err) {
      return problemToForm(err);
    }
  },
};
