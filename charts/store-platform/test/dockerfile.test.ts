/**
 * What can be checked of the Dockerfile without a Docker engine (none runs here — the image was not
 * built): every file it COPYs exists and survives .dockerignore; everything the runtime entry points
 * import is inside what the runtime stage copies, and every package they import is a production
 * dependency (the stage installs with --omit=dev); its command, user and port are the chart's.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderChartText } from '../../test/render-chart.ts';
import { parseManifests, repoRoot, type K8sObject } from '../../../argocd/test/support/cluster-manifests.ts';

type Obj = Record<string, any>;
interface Instruction { stage: string; op: string; args: string }

/** Dockerfile instructions (continuation lines joined, comments dropped), each with its stage name. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = '';
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    const [, op, args] = m as unknown as [string, string, string];
    if (op === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? '';
    out.push({ stage, op, args: args.trim() });
  }
  return out;
}

/** .dockerignore patterns as regular expressions over repo-relative paths (`**`, `*`, directory prefixes). */
function ignoreMatchers(text: string): RegExp[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((p) => {
      const re = p
        .replace(/[.+^${}()|[\]]/g, '\\$&')
        .replace(/\*\*\//g, '\u0000')
        .replace(/\*/g, '[^/]*')
        .replace(/\u0000/g, '(.*/)?');
      return new RegExp(`^${re}(/.*)?$`);
    });
}

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const ignored = ignoreMatchers(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
const isIgnored = (path: string) => ignored.some((re) => re.test(path));
const steps = instructions(dockerfile);
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** COPY sources (repo-relative) and destinations of one stage, excluding COPY --from. */
function copies(stage: string): { src: string; dest: string }[] {
  return steps
    .filter((s) => s.stage === stage && s.op === 'COPY' && !s.args.startsWith('--from'))
    .flatMap((s) => {
      const parts = s.args.split(/\s+/);
      const dest = parts.pop()!;
      return parts.map((src) => ({ src: src.replace(/\/$/, ''), dest }));
    });
}

/** Relative .ts imports reachable from the entry files, and the bare package names they import. */
function importGraph(entries: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((e) => join(repoRoot, e));
  while (queue.length) {
    const file = queue.pop()!;
    const rel = relative(repoRoot, file);
    if (files.has(rel)) continue;
    files.add(rel);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (target.endsWith('.ts')) queue.push(target);
        continue;
      }
      packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return { files, packages };
}

let deployments: Obj[] = [];
let job: Obj;
beforeAll(async () => {
  const objects: K8sObject[] = parseManifests(await renderChartText({ chartDir: join(repoRoot, 'charts', 'store-platform'), releaseName: 'store-platform', valuesFiles: [join(repoRoot, 'argocd', 'values', 'store-platform.yaml')] }));
  deployments = objects.filter((o) => o.kind === 'Deployment') as Obj[];
  job = objects.find((o) => o.kind === 'Job') as Obj;
});

describe('Dockerfile', () => {
  it('is multi-stage on Node 24', () => {
    const from = steps.filter((s) => s.op === 'FROM').map((s) => s.stage);
    expect(from).toEqual(['build', 'runtime']);
    expect(steps.find((s) => s.op === 'ARG' && s.args.startsWith('NODE_IMAGE='))?.args).toMatch(/^NODE_IMAGE=node:24[-.]/);
    expect(steps.filter((s) => s.op === 'FROM').every((s) => s.args.startsWith('${NODE_IMAGE}'))).toBe(true);
  });

  it('copies only files that exist and that .dockerignore keeps in the context', () => {
    const all = [...copies('build'), ...copies('runtime')];
    expect(all.length).toBeGreaterThan(8);
    for (const { src } of all) {
      expect(existsSync(join(repoRoot, src)), src).toBe(true);
      expect(isIgnored(src), `${src} is excluded by .dockerignore`).toBe(false);
    }
    // The matcher itself: what must stay out of the context does.
    for (const p of ['node_modules', 'ui/node_modules/x', '.git', 'api/src/app.test.ts', 'ui/build', 'sim/src/sim.ts']) expect(isIgnored(p), p).toBe(true);
  });

  it('ships everything the runtime entry points import, and they import only production dependencies', () => {
    const runtime = copies('runtime').map((c) => c.src);
    const shipped = (f: string) => runtime.some((src) => f === src || f.startsWith(`${src}/`)) && !isIgnored(f);
    const entries = ['api/src/main.ts', 'scripts/migrate.ts'];
    const { files, packages } = importGraph(entries);
    expect(files.size).toBeGreaterThan(40);
    expect(files.has('ui/server.ts')).toBe(true);
    expect([...files].filter((f) => !shipped(f))).toEqual([]);
    expect([...packages].filter((p) => !(p in pkg.dependencies))).toEqual([]);
    // The dashboard build is copied from the build stage; the template and chart the worker fills a new repo from are copied.
    expect(steps.some((s) => s.stage === 'runtime' && s.op === 'COPY' && s.args === '--from=build /app/ui/build ./ui/build')).toBe(true);
    for (const dir of ['gitops-repo-template', 'charts/woocommerce-store']) expect(runtime).toContain(dir);
    expect(statSync(join(repoRoot, 'gitops-repo-template', 'apps', 'root.yaml')).isFile()).toBe(true);
  });

  it('installs the git CLI in the runtime stage and runs as a non-root numeric user', () => {
    expect(steps.find((s) => s.stage === 'runtime' && s.op === 'RUN' && /apt-get install/.test(s.args))?.args).toMatch(/\bgit\b/);
    const user = steps.filter((s) => s.stage === 'runtime' && s.op === 'USER').pop()?.args;
    expect(user).toBe('1000:1000');
    for (const d of [...deployments, job]) {
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
      expect(d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
      // A read-only root: the only writable place is the /tmp emptyDir, and HOME points there (git).
      expect(d.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    }
  });

  it('runs the same command as the chart, on the port the chart probes, with ROLES from the environment', () => {
    const cmd = JSON.parse(steps.filter((s) => s.op === 'CMD').pop()!.args) as string[];
    expect(steps.some((s) => s.stage === 'runtime' && s.op === 'ENTRYPOINT')).toBe(false);
    expect(deployments).toHaveLength(2);
    for (const d of deployments) {
      const c = d.spec.template.spec.containers[0];
      expect(c.command, d.metadata.name).toEqual(cmd);
      expect(c.ports[0].containerPort).toBe(8080);
      expect(c.env.find((e: Obj) => e.name === 'ROLES').value).toMatch(/^(api|worker)(,(api|worker))*$/);
    }
    expect(steps.find((s) => s.op === 'EXPOSE')?.args).toBe('8080');
    const env = steps.filter((s) => s.stage === 'runtime' && s.op === 'ENV').map((s) => s.args).join(' ');
    expect(env).toMatch(/ROLES=api,worker/);
    expect(env).toMatch(/PORT=8080/);
    // The migrations Job runs a script the image carries.
    const script = job.spec.template.spec.containers[0].command[1];
    expect(copies('runtime').map((c) => c.src)).toContain(script);
  });
});
