import { defineParams } from '@sveltejs/kit/params';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Route parameter matchers: store ids are UUIDs, anything else is not a store page. */
export const params = defineParams({
  uuid: (param) => (UUID.test(param) ? param : undefined),
});
