import { execFile, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Auth the server demands. `basic`: any user name (unless `username` is set) with the token as password. */
export interface GitHttpServerAuth {
  token: string;
  username?: string;
  /** Which Authorization schemes are accepted (default both). */
  schemes?: ('basic' | 'bearer')[];
}

export interface GitHttpServerOptions {
  /** Folder holding the bare repos (GIT_PROJECT_ROOT). */
  projectRoot: string;
  auth?: GitHttpServerAuth;
  /** Path of git-http-backend (default env GIT_HTTP_BACKEND or /usr/lib/git-core/git-http-backend). */
  backend?: string;
}

export interface GitHttpServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Clone URL of a repo under the project root, e.g. repoUrl('gitops.git'). */
  repoUrl(name: string): string;
  /** Requests served so far, and how many were refused for auth. */
  stats: { requests: number; unauthorized: number; pushes: number };
  close(): Promise<void>;
}

/**
 * Test/dev helper: serves the bare repos under `projectRoot` over smart HTTP with the real
 * `git http-backend` run as a CGI (fetch and push), on 127.0.0.1 and a free port, with optional
 * basic/bearer token auth.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const backend = options.backend ?? process.env.GIT_HTTP_BACKEND ?? '/usr/lib/git-core/git-http-backend';
  const stats = { requests: 0, unauthorized: 0, pushes: 0 };
  const server = createServer((req, res) => {
    stats.requests++;
    const user = authenticate(req, options.auth);
    if (user === null) {
      stats.unauthorized++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' }).end('unauthorized\n');
      return;
    }
    if ((req.url ?? '').includes('git-receive-pack') && req.method === 'POST') stats.pushes++;
    serveCgi(backend, options.projectRoot, user, req, res);
  });
  // Keep-alive sockets would keep close() waiting.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    repoUrl: (name) => `${url}/${name.replace(/^\/+/, '')}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Creates an empty bare repo `<root>/<name>` whose default branch is `branch` (default main). */
export async function createBareRepo(root: string, name: string, branch = 'main'): Promise<string> {
  const path = join(root, name);
  await run('git', ['init', '--quiet', '--bare', `--initial-branch=${branch}`, path]);
  return path;
}

function authenticate(req: IncomingMessage, auth: GitHttpServerAuth | undefined): string | null {
  if (!auth) return 'anonymous';
  const header = req.headers.authorization ?? '';
  const schemes = auth.schemes ?? ['basic', 'bearer'];
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer' && schemes.includes('bearer') && value === auth.token) return 'bearer';
  if (scheme?.toLowerCase() === 'basic' && schemes.includes('basic')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    const pass = decoded.slice(colon + 1);
    if (colon > 0 && pass === auth.token && (auth.username === undefined || auth.username === user)) return user;
  }
  return null;
}

function serveCgi(backend: string, projectRoot: string, user: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    // receive-pack (push) is enabled for an authenticated REMOTE_USER; say so explicitly as well.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    REMOTE_USER: user,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol']) env.HTTP_GIT_PROTOCOL = String(req.headers['git-protocol']);
  const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => {});
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let sep = 4;
    if (end < 0) {
      end = head.indexOf('\n\n');
      sep = 2;
    }
    if (end < 0) return;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    headersSent = true;
    const rest = head.subarray(end + sep);
    if (rest.length > 0) res.write(rest);
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.on('close', (code) => {
    if (!headersSent) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`git http-backend failed (${code}): ${stderr}`);
    } else res.end();
  });
}
