import { execFile } from 'node:child_process';

/** Credentials for an HTTP(S) Git remote. Sent as a header, never placed in a URL or an argv. */
export interface GitAuth {
  /** Personal access token, app token or password. */
  token: string;
  /** User name for basic auth (default `x-access-token`, which GitHub and Gitea accept with a token). */
  username?: string;
  /** `basic` (default: works with GitHub, GitLab, Gitea) or `bearer`. */
  scheme?: 'basic' | 'bearer';
}

/** A git command failed. The message carries git's own words (credentials are never in them). */
export class GitCommandError extends Error {
  override name = 'GitCommandError';
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  constructor(message: string, exitCode: number | null, stdout: string, stderr: string) {
    super(message);
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

export interface GitCliOptions {
  /** git binary (default env GIT_BIN or `git`). */
  gitBin?: string;
  auth?: GitAuth;
  /** Per-command timeout (default 120 s). */
  timeoutMs?: number;
}

/** Removes user-info from URLs so a token someone put in a remote URL never reaches a log. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

/**
 * Runs the git CLI for the network transport (fetch, push, ls-remote). Auth goes in through
 * GIT_CONFIG_* environment variables (`http.extraHeader`), so it is in neither argv nor a config file.
 */
export class GitCli {
  readonly #bin: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #timeoutMs: number;

  constructor(options: GitCliOptions = {}) {
    this.#bin = options.gitBin ?? process.env.GIT_BIN ?? 'git';
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    const config: [string, string][] = [
      ['gc.auto', '0'],
      ['core.askPass', ''],
      ['credential.helper', ''],
    ];
    if (options.auth) {
      const a = options.auth;
      const value = a.scheme === 'bearer' ? `Bearer ${a.token}` : `Basic ${Buffer.from(`${a.username ?? 'x-access-token'}:${a.token}`).toString('base64')}`;
      config.push(['http.extraHeader', `Authorization: ${value}`]);
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '',
      LC_ALL: 'C',
      GIT_CONFIG_COUNT: String(config.length),
    };
    config.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    this.#env = env;
  }

  /** Runs `git <args>` in `cwd`; resolves with stdout, rejects with a GitCommandError. */
  run(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      execFile(this.#bin, args, { cwd, env: this.#env, timeout: this.#timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === 'number' ? error.code : null;
          const detail = redactUrl(String(stderr || stdout || error.message).trim());
          reject(new GitCommandError(`git ${args[0]} failed: ${detail}`, code, redactUrl(stdout), redactUrl(stderr)));
        } else resolve({ stdout, stderr });
      });
    });
  }
}
