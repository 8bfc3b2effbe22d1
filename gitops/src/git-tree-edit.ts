import * as fs from 'node:fs';
import git, { type TreeEntry } from 'isomorphic-git';

/** One desired change: write `content` at `path`, or delete `path` (a file or a whole folder) if null. */
export interface FileChange {
  path: string;
  content: string | null;
}

/** A change that cannot be applied (bad path, protected file). */
export class InvalidChangeError extends Error {
  override name = 'InvalidChangeError';
}

interface DirNode {
  kind: 'dir';
  /** Start from an empty folder instead of the existing one (an earlier change deleted it). */
  reset: boolean;
  children: Map<string, DirNode | FileNode | DeleteNode>;
}
interface FileNode {
  kind: 'file';
  content: string;
}
interface DeleteNode {
  kind: 'delete';
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Splits and checks a repo path: relative, no empty, `.`, `..` or `.git` segment. */
export function splitRepoPath(path: string): string[] {
  const parts = path.split('/');
  if (path === '' || parts.some((p) => p === '' || p === '.' || p === '..' || p.toLowerCase() === '.git' || p.includes('\0'))) {
    throw new InvalidChangeError(`invalid repo path ${JSON.stringify(path)}`);
  }
  return parts;
}

/** Later changes win over earlier ones on the same path; deleting a folder drops earlier changes under it. */
function buildTrie(changes: FileChange[]): DirNode {
  const root: DirNode = { kind: 'dir', reset: false, children: new Map() };
  for (const change of changes) {
    const parts = splitRepoPath(change.path);
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const child = node.children.get(part);
      if (child?.kind === 'dir') node = child;
      else {
        // A file or a deletion on the way becomes a folder: start it empty if it was deleted or a file.
        const next: DirNode = { kind: 'dir', reset: child !== undefined, children: new Map() };
        node.children.set(part, next);
        node = next;
      }
    }
    const leaf = parts[parts.length - 1] as string;
    node.children.set(leaf, change.content === null ? { kind: 'delete' } : { kind: 'file', content: change.content });
  }
  return root;
}

export interface TreeEditContext {
  gitdir: string;
  cache: object;
}

/**
 * Writes the tree that results from applying `changes` on top of the tree `baseTree` (null = empty),
 * touching only the folders on the changed paths: cost grows with the depth and the size of the
 * folders along those paths, not with the size of the repo. Returns the new root tree id.
 */
export async function writeTreeChanges(ctx: TreeEditContext, baseTree: string | null, changes: FileChange[]): Promise<string> {
  const root = await editTree(ctx, baseTree, buildTrie(changes));
  if (root !== null) return root;
  return git.writeTree({ fs, gitdir: ctx.gitdir, tree: [] }).then(() => EMPTY_TREE);
}

async function editTree(ctx: TreeEditContext, base: string | null, node: DirNode): Promise<string | null> {
  const entries = new Map<string, TreeEntry>();
  if (base !== null && !node.reset) {
    const { tree } = await git.readTree({ fs, gitdir: ctx.gitdir, oid: base, cache: ctx.cache });
    for (const entry of tree) entries.set(entry.path, entry);
  }
  let changed = node.reset;
  for (const [name, child] of node.children) {
    const existing = entries.get(name);
    if (child.kind === 'delete') {
      if (existing) {
        entries.delete(name);
        changed = true;
      }
    } else if (child.kind === 'file') {
      const oid = await git.writeBlob({ fs, gitdir: ctx.gitdir, blob: Buffer.from(child.content, 'utf8') });
      if (existing?.oid !== oid || existing.type !== 'blob' || existing.mode !== '100644') {
        entries.set(name, { mode: '100644', path: name, oid, type: 'blob' });
        changed = true;
      }
    } else {
      const sub = await editTree(ctx, existing?.type === 'tree' ? existing.oid : null, child);
      if (sub === null) {
        if (existing) {
          entries.delete(name);
          changed = true;
        }
      } else if (existing?.oid !== sub || existing.type !== 'tree') {
        entries.set(name, { mode: '040000', path: name, oid: sub, type: 'tree' });
        changed = true;
      }
    }
  }
  if (!changed && base !== null) return base;
  if (entries.size === 0) return null;
  return git.writeTree({ fs, gitdir: ctx.gitdir, tree: [...entries.values()] });
}
