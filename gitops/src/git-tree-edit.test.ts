import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidChangeError, writeTreeChanges, type FileChange } from './git-tree-edit.ts';

const exec = promisify(execFile);
let gitdir: string;
const cache = {};
beforeAll(async () => {
  gitdir = await mkdtemp(join(tmpdir(), 'tree-edit-'));
  await exec('git', ['init', '--quiet', '--bare', gitdir]);
});
afterAll(() => rm(gitdir, { recursive: true, force: true }));

const edit = (base: string | null, changes: FileChange[]) => writeTreeChanges({ gitdir, cache }, base, changes);
/** `path → content` of every file in a tree, read back with the git CLI. */
async function files(tree: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const { stdout } = await exec('git', ['ls-tree', '-r', '--name-only', tree], { cwd: gitdir });
  for (const path of stdout.split('\n').filter(Boolean)) {
    out[path] = (await exec('git', ['cat-file', 'blob', `${tree}:${path}`], { cwd: gitdir })).stdout;
  }
  return out;
}

describe(writeTreeChanges.name, () => {
  it('writes nested files into a tree git reads back identically', async () => {
    const tree = await edit(null, [
      { path: 'stores/b/values.yaml', content: 'b\n' },
      { path: 'stores/a/values.yaml', content: 'a\n' },
      { path: 'stores-index', content: 'sorted like git: stores-index before stores/\n' },
    ]);
    expect(await files(tree)).toEqual({
      'stores-index': 'sorted like git: stores-index before stores/\n',
      'stores/a/values.yaml': 'a\n',
      'stores/b/values.yaml': 'b\n',
    });
    await exec('git', ['fsck', '--strict', '--no-dangling'], { cwd: gitdir });
  });

  it('returns the same tree id when the changes change nothing', async () => {
    const base = await edit(null, [{ path: 'stores/a/values.yaml', content: 'a\n' }]);
    expect(await edit(base, [{ path: 'stores/a/values.yaml', content: 'a\n' }])).toBe(base);
    expect(await edit(base, [{ path: 'stores/zzz', content: null }])).toBe(base);
  });

  it('lets later changes win: a folder deleted then written again holds only the new files', async () => {
    const base = await edit(null, [
      { path: 'stores/a/values.yaml', content: 'old\n' },
      { path: 'stores/a/overrides.yaml', content: 'operator\n' },
    ]);
    const tree = await edit(base, [
      { path: 'stores/a', content: null },
      { path: 'stores/a/values.yaml', content: 'new\n' },
    ]);
    expect(await files(tree)).toEqual({ 'stores/a/values.yaml': 'new\n' });
    const deletedAfter = await edit(base, [
      { path: 'stores/a/values.yaml', content: 'new\n' },
      { path: 'stores/a', content: null },
    ]);
    expect(await files(deletedAfter)).toEqual({});
  });

  it('drops folders that become empty, up to the root', async () => {
    const base = await edit(null, [
      { path: 'keep.md', content: 'k\n' },
      { path: 'stores/a/values.yaml', content: 'a\n' },
    ]);
    const tree = await edit(base, [{ path: 'stores/a/values.yaml', content: null }]);
    expect(await files(tree)).toEqual({ 'keep.md': 'k\n' });
  });

  it('rejects paths with empty, dot, dot-dot or .git segments', async () => {
    for (const path of ['', '/a', 'a/', 'a/../b', './a', 'x/.GIT/hooks']) {
      await expect(edit(null, [{ path, content: 'x' }])).rejects.toThrow(InvalidChangeError);
    }
  });
});
