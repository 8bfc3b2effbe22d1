import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import { GitWriter, type RepoWriter } from '../../../../gitops/src/git-writer.ts';
import { PullRequestGitWriter } from '../../../../gitops/src/pull-request-git-writer.ts';
import { loadRepoTemplate } from '../../../../renderer/src/repo-template.ts';
import { CommitAncestry } from './commit-ancestry.ts';
import { KubeClusterClient, type ClusterClient } from './cluster-client.ts';
import { PgCommitterLock, type CommitterLock } from './committer-lock.ts';

/** The outside world the pipeline talks to: Git (and its pull requests) and the cluster. */
export type PipelineConnections = {
  writer: RepoWriter;
  cluster: ClusterClient;
  includes: (commit: string, revision: string) => Promise<boolean>;
  pullRequest?: (n: number) => Promise<{ merged: boolean; state: 'open' | 'closed'; mergeCommitSha: string | null }>;
  /** One committer per repo and branch across every worker (a PostgreSQL advisory lock on its own session). */
  committerLock?: CommitterLock;
  close(): Promise<void>;
};

/** Builds the pipeline's connections from configuration (a real cluster and repo, or `sim/` and a local bare repo). */
export function connectPipeline(config: Config, logger: Logger): PipelineConnections {
  const g = config.gitops;
  if (!g.repo) throw new Error('GITOPS_REPO is required to run the pipeline (the worker role)');
  const kc = new KubeConfig();
  if (config.cluster.kubeconfig) kc.loadFromFile(config.cluster.kubeconfig);
  else kc.loadFromDefault();
  const auth = g.token ? { token: g.token, username: g.username } : undefined;
  const common = { remote: g.repo, branch: g.branch, ...(auth ? { auth } : {}) };
  const prWriter =
    g.mode === 'pull-request' && g.github
      ? new PullRequestGitWriter({ ...common, github: { owner: g.github.owner, repo: g.github.repo, token: g.github.token, baseUrl: g.github.baseUrl } })
      : undefined;
  const writer: RepoWriter = prWriter ?? new GitWriter(common);
  const cluster = new KubeClusterClient(
    kc,
    config.cluster.argocdNamespace,
    {
      certFile: config.cluster.sealedSecretsCertFile,
      controllerName: config.cluster.sealedSecretsController,
      controllerNamespace: config.cluster.sealedSecretsNamespace,
    },
    (err, what) => logger.warn({ err: err.message, what }, 'Application watch: retrying'),
  );
  const ancestry = new CommitAncestry(common);
  const committerLock = new PgCommitterLock({ databaseUrl: config.databaseUrl, repo: g.repo, branch: g.branch, logger });

  logger.info({ repo: g.repo.replace(/\/\/[^/@]*@/, '//***@'), branch: g.branch, mode: g.mode, cluster: kc.getCurrentCluster()?.server }, 'pipeline connected');
  return {
    writer,
    cluster,
    includes: (c, r) => ancestry.includes(c, r),
    pullRequest: prWriter ? (n) => prWriter.getPullRequest(n) : undefined,
    committerLock,
    close: async () => {
      cluster.close();
      await committerLock.close();
      await writer.close();
      await ancestry.close();
    },
  };
}

/** Fills an empty GitOps repo from gitops-repo-template/ and the chart (does nothing if it has commits). */
export async function initGitOpsRepo(config: Config, writer: RepoWriter): Promise<{ sha: string; created: boolean }> {
  const files = await loadRepoTemplate({
    repoUrl: config.gitops.repoUrl!,
    targetRevision: config.gitops.branch,
    argocdNamespace: config.cluster.argocdNamespace,
  });
  return writer.init(files);
}
