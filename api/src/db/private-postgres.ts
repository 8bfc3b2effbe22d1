import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Directory with initdb and pg_ctl: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin. */
export function findPostgresBin(): string | undefined {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/**
 * A PostgreSQL cluster of our own in `dataDir`, made with the machine's initdb and run with pg_ctl on
 * 127.0.0.1:`port` (trust auth, user postgres). initdb refuses to run as root, so as root the cluster
 * belongs to the `postgres` system user. Used by `npm start` when no server is reachable, and by tests
 * that stop and restart the database under a running API.
 */
export class PrivatePostgres {
  readonly dataDir: string;
  readonly port: number;
  private readonly bin: string;
  private readonly asUser?: string;

  constructor(dataDir: string, port: number) {
    const bin = findPostgresBin();
    if (!bin) throw new Error('no PostgreSQL server binaries found (apt-get install postgresql, or set PG_BIN)');
    this.bin = bin;
    this.dataDir = dataDir;
    this.port = port;
    this.asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(tool: string, args: string[]): void {
    const cmd = this.asUser ? 'runuser' : join(this.bin, tool);
    const full = this.asUser ? ['-u', this.asUser, '--', join(this.bin, tool), ...args] : args;
    const r = spawnSync(cmd, full, { encoding: 'utf8', cwd: '/' });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr || r.stdout}`);
  }

  /** initdb once (idempotent), then start. */
  start(): void {
    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) {
      mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
      if (this.asUser) {
        const uid = Number(execFileSync('id', ['-u', this.asUser]).toString());
        const gid = Number(execFileSync('id', ['-g', this.asUser]).toString());
        chownSync(this.dataDir, uid, gid);
      }
      this.run('initdb', ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    }
    this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dataDir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.port} -h 127.0.0.1 -k ${this.dataDir} -c fsync=off`,
      'start',
    ]);
  }

  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }
}
