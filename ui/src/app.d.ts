import type { IncomingMessage } from 'node:http';
import type { ApiClient } from '#lib/server/api-client.ts';

declare global {
  namespace App {
    interface Locals {
      /** The REST API, called with the signed-in user's session (its id in the HttpOnly cookie). */
      api: ApiClient;
    }
    interface Platform {
      /** The Node request (adapter-node): the API is reached at the address this request came in on. */
      req?: IncomingMessage;
    }
    interface Error {
      message: string;
      /** `unreachable`: the platform did not answer (the error page offers to try again). */
      code?: string;
    }
  }
}

export {};
