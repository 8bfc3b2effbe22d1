// Row 8: gzip bytes of the JavaScript the store list page loads (entry + its layouts + the page, with
// every static import), against the login page — read from the built dashboard's Vite manifest and
// SvelteKit's route table (ui/.svelte-kit/output), the files the browser is sent (ui/build/client).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { finishRow, type BenchOptions, type Round, type RowResult } from '../lib/row.ts';

type Chunk = { file: string; imports?: string[]; isEntry?: boolean };

export async function pageWeightRow(o: BenchOptions, root: string): Promise<RowResult> {
  const out = join(root, 'ui', '.svelte-kit', 'output');
  const manifestFile = join(out, 'client', '.vite', 'manifest.json');
  const routesFile = join(out, 'server', 'manifest.js');
  const clientDir = join(root, 'ui', 'build', 'client');
  if (!existsSync(manifestFile) || !existsSync(routesFile) || !existsSync(clientDir)) {
    o.log('  row 8: building the dashboard (npm run build:ui)');
    execFileSync('npm', ['run', 'build:ui'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, Chunk>;
  const routes = readFileSync(routesFile, 'utf8');
  const nodesOf = (id: string): number[] => {
    const m = new RegExp(`id: "${id.replace(/[()[\]]/g, '\\$&')}"[\\s\\S]*?page: \\{ layouts: \\[([^\\]]*)\\],[^}]*leaf: (\\d+)`).exec(routes);
    if (!m) throw new Error(`route ${id} not found in ${routesFile}`);
    return [
      ...m[1]!
        .split(',')
        .filter((s) => s.trim() !== '')
        .map(Number),
      Number(m[2]),
    ];
  };
  const entries = Object.entries(manifest)
    .filter(([k, v]) => v.isEntry && /(runtime\/client\/entry\.js|generated\/.*\/app\.js)$/.test(k))
    .map(([k]) => k);
  const nodeKey = (n: number) => Object.keys(manifest).find((k) => k.endsWith(`/nodes/${n}.js`));
  const gz = new Map<string, number>();
  const pageBytes = (id: string) => {
    const seen = new Set<string>();
    const visit = (key: string) => {
      if (seen.has(key) || !manifest[key]) return;
      seen.add(key);
      for (const i of manifest[key]!.imports ?? []) visit(i);
    };
    for (const e of entries) visit(e);
    for (const n of nodesOf(id)) {
      const k = nodeKey(n);
      if (k) visit(k);
    }
    let total = 0;
    for (const k of seen) {
      const file = manifest[k]!.file;
      if (!file.endsWith('.js')) continue;
      if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(clientDir, file))).length);
      total += gz.get(file)!;
    }
    return { bytes: total, files: [...seen].filter((k) => manifest[k]!.file.endsWith('.js')).length };
  };
  const rounds: Round[] = [];
  let files = { list: 0, login: 0 };
  for (let r = 0; r < o.rounds; r++) {
    const login = pageBytes('/(auth)/login');
    const list = pageBytes('/(app)/stores');
    files = { list: list.files, login: login.files };
    rounds.push({ baseline: login.bytes / 1024, figure: list.bytes / 1024 });
  }
  return finishRow({
    row: 8,
    what: 'store list page JavaScript (gzip)',
    baselineWhat: 'the login page',
    unit: 'KiB gz',
    better: 'lower',
    sizes: { listPageFiles: files.list, loginPageFiles: files.login },
    rounds,
    goal: '≤ 1.1 (keep)',
    judge: (ratio) => ({ met: ratio.median <= 1.1 }),
    notes: [`${files.list} JS files for the store list, ${files.login} for the login page (entry, layouts, page and their static imports)`],
  });
}
