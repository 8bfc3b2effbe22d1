import type { IncomingMessage } from 'node:http';

/**
 * Where the dashboard's server reaches the REST API. `DASHBOARD_API_URL` when set (the dashboard served
 * apart from the API); otherwise the same process: the local address and port the browser's request
 * arrived on, which is the API's own listener when the dashboard is mounted in the API's Express app.
 */
export function apiBaseUrl(req: IncomingMessage | undefined, env: Record<string, string | undefined> = process.env): string {
  const configured = env.DASHBOARD_API_URL;
  if (configured) return configured;
  const address = req?.socket?.localAddress;
  const port = req?.socket?.localPort;
  if (!address || !port) return `http://127.0.0.1:${env.PORT ?? '8080'}`;
  const host = address.startsWith('::ffff:') ? address.slice(7) : address;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}
