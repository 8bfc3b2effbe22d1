// Benchmark: the status cycle's "does the reported revision contain the store's commit" check.
// Usage: node bench/commit-ancestry.bench.ts [--stores 1000] [--per-commit 1] [--cycles 3] [--module path]
// A local bare repo holds one commit per `--per-commit` stores; each cycle pushes one new commit (as a
// provision run does) and then checks every store's commit against it, one at a time as StatusService
// does. Prints git processes and milliseconds per cycle. `--module` points at another CommitAncestry
// implementation (same constructor) to compare.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { GitCli } from '../gitops/src/git-cli.ts';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: '1000' },
    'per-commit': { type: 'string', default: '1' },
    cycles: { type: 'string', default: '3' },
    module: { type: 'string' },
  },
});
const stores = Number(values.stores);
const perCommit = Number(values['per-commit']);
const cycles = Number(values.cycles);
const { CommitAncestry } = (await import(
  values.module ? resolve(values.module) : '../api/src/features/provisioning/commit-ancestry.ts'
)) as typeof import('../api/src/features/provisioning/commit-ancestry.ts');

class CountingGit extends GitCli {
  calls = 0;
  override run(args: string[], cwd: string) {
    this.calls++;
    return super.run(args, cwd);
  }
}

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@example.com',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@example.com',
  // no background gc in the work tree (10,000 loose commits would start one) while the bench removes it
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'gc.auto',
  GIT_CONFIG_VALUE_0: '0',
};
const root = await mkdtemp(join(tmpdir(), 'bench-ancestry-'));
try {
  const remote = join(root, 'remote.git');
  const work = join(root, 'work');
  await exec('git', ['init', '-q', '--bare', '-b', 'main', remote], { env });
  await exec('git', ['init', '-q', '-b', 'main', work], { env });
  const commitsNeeded = Math.ceil(stores / perCommit);
  await exec('sh', ['-c', `i=0; while [ $i -lt ${commitsNeeded} ]; do git commit -q --allow-empty -m "c$i"; i=$((i+1)); done`], { cwd: work, env });
  await exec('git', ['push', '-q', remote, 'HEAD:refs/heads/main'], { cwd: work, env });
  const history = (await exec('git', ['rev-list', '--reverse', 'HEAD'], { cwd: work, env })).stdout.trim().split('\n');
  const storeCommits = Array.from({ length: stores }, (_, i) => history[Math.floor(i / perCommit)]!);

  const git = new CountingGit();
  const ancestry = new CommitAncestry({ remote, branch: 'main', git } as ConstructorParameters<typeof CommitAncestry>[0]);
  const rows: string[] = [];
  for (let k = 0; k <= cycles; k++) {
    if (k > 0) {
      await exec('git', ['commit', '-q', '--allow-empty', '-m', `cycle ${k}`], { cwd: work, env });
      await exec('git', ['push', '-q', remote, 'HEAD:refs/heads/main'], { cwd: work, env });
    }
    const head = (await exec('git', ['rev-parse', 'HEAD'], { cwd: work, env })).stdout.trim();
    const before = git.calls;
    const t0 = performance.now();
    let contained = 0;
    for (const c of storeCommits) if (await ancestry.includes(c, head)) contained++;
    const ms = performance.now() - t0;
    if (contained !== stores) throw new Error(`only ${contained} of ${stores} commits found in the head`);
    rows.push(
      `${k === 0 ? 'first ' : 'after commit'} cycle ${k}: ${git.calls - before} git processes, ${ms.toFixed(1)} ms (${((ms * 1000) / stores).toFixed(1)} µs/store)`,
    );
  }
  await ancestry.close();
  console.log(`${stores} stores, ${perCommit} per commit, ${history.length} commits in the repo`);
  for (const r of rows) console.log(r);
} finally {
  await rm(root, { recursive: true, force: true, maxRetries: 5 });
}
