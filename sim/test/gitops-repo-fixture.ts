/**
 * A real GitOps repo for tests: a bare repository (what Argo CD clones) plus a working clone that
 * commits and pushes with the git CLI, laid out as the platform writes it (projects/, apps/root.yaml,
 * charts/woocommerce-store/, stores/<id>/).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { startSim, type Sim } from '../src/sim.ts';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Sim Test',
  GIT_AUTHOR_EMAIL: 'sim-test@example.com',
  GIT_COMMITTER_NAME: 'Sim Test',
  GIT_COMMITTER_EMAIL: 'sim-test@example.com',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

export interface GitopsRepo {
  dir: string;
  bare: string;
  /** file:// URL of the bare repo, as an Application's repoURL. */
  url: string;
  /** Writes (string) or deletes (null) files, commits and pushes; returns the commit SHA. */
  commit(files: Record<string, string | null>, message?: string): string;
  cleanup(): void;
}

export function createGitopsRepo(options: { chartDir: string; argocdNamespace?: string }): GitopsRepo {
  const dir = mkdtempSync(join(tmpdir(), 'sim-gitops-'));
  const bare = join(dir, 'gitops.git');
  const work = join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(dir, 'clone', '--quiet', bare, work);
  git(work, 'checkout', '--quiet', '-b', 'main');
  const url = pathToFileURL(bare).href;
  const ns = options.argocdNamespace ?? 'argocd';
  cpSync(options.chartDir, join(work, 'charts', 'woocommerce-store'), { recursive: true });
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), content);
  };
  write('projects/stores.yaml', stringify(storesProject(url, ns)));
  write('apps/root.yaml', stringify(rootApp(url, ns)));
  write('stores/.gitkeep', '');
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'Initialise GitOps repo');
  git(work, 'push', '--quiet', 'origin', 'main');
  return {
    dir: work,
    bare,
    url,
    commit(files, message = 'update') {
      for (const [path, content] of Object.entries(files)) {
        if (content === null) {
          if (existsSync(join(work, path))) rmSync(join(work, path), { recursive: true, force: true });
        } else write(path, content);
      }
      git(work, 'add', '-A');
      git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
      git(work, 'push', '--quiet', 'origin', 'main');
      return git(work, 'rev-parse', 'HEAD');
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function storesProject(repoURL: string, ns = 'argocd') {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'stores', namespace: ns },
    spec: {
      sourceRepos: [repoURL],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'store-*' }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    },
  };
}

export function rootApp(repoURL: string, ns = 'argocd') {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'stores-root', namespace: ns },
    spec: {
      project: 'default',
      source: { repoURL, targetRevision: 'main', path: 'stores', directory: { recurse: true, include: '*/application.yaml' } },
      destination: { server: 'https://kubernetes.default.svc', namespace: ns },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
}

/** stores/<id>/application.yaml as the renderer writes it. */
export function storeApplication(id: string, repoURL: string, options: { finalizer?: boolean; namespace?: string; retryLimit?: number; retryBackoff?: string } = {}) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: `store-${id}`,
      namespace: 'argocd',
      labels: { 'store-platform.io/managed-by': 'store-platform', 'store-platform.io/store-id': id },
      ...(options.finalizer === false ? {} : { finalizers: ['resources-finalizer.argocd.argoproj.io'] }),
    },
    spec: {
      project: 'stores',
      source: {
        repoURL,
        targetRevision: 'main',
        path: 'charts/woocommerce-store',
        helm: { valueFiles: [`../../stores/${id}/values.yaml`, `../../stores/${id}/overrides.yaml`], ignoreMissingValueFiles: true },
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: options.namespace ?? `store-${id}` },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['ServerSideApply=true'],
        ...(options.retryLimit !== undefined ? { retry: { limit: options.retryLimit, backoff: { duration: options.retryBackoff ?? '10s', factor: 2, maxDuration: '30m' } } } : {}),
      },
    },
  };
}

/** Kubelet/controller timings for tests: every step still happens, in tens of milliseconds. */
export const TEST_SIM_TIMINGS = {
  podStartMs: 40,
  podReadyMs: 80,
  jobCompleteMs: 80,
  pvcBindMs: 20,
  ingressAddressMs: 20,
  certificateReadyMs: 40,
  namespaceTerminationMs: 100,
  timeScale: 0.002,
};

/** A sim following `repoURL` with fast polling and test timings (override any of them). */
export function startTestSim(repoURL: string, timings: Partial<typeof TEST_SIM_TIMINGS> = {}): Promise<Sim> {
  return startSim({ repoURL, pollMs: 150, tickMs: 20, sealingKeyBits: 2048, timings: { ...TEST_SIM_TIMINGS, ...timings } });
}
