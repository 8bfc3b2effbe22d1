/**
 * AppProject rules (operator-manual/declarative-setup/#projects; argo-cd pkg/apis/application/v1alpha1
 * app_project_types.go): source repos, destinations, the cluster-scoped whitelist and the namespaced
 * black/whitelists. Spec violations are `InvalidSpecError` conditions; resource violations fail the sync.
 */
import type { KubeObject } from '../cluster-store.ts';
import { normalizeRepoURL } from '../git-repos.ts';
import type { AppSource } from '../render-manifests.ts';
import { kindInfo } from '../kinds.ts';
import { IN_CLUSTER, groupOf } from './tracking.ts';

export type ProjectLookup = (name: string) => KubeObject | undefined;

export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const negate = pattern.startsWith('!');
  const re = new RegExp(`^${(negate ? pattern.slice(1) : pattern).replace(/[.+^$()|[\]\\{}]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value) !== negate;
}

export function destinationPermitted(project: KubeObject, server: string, namespace: string): boolean {
  return ((project.spec?.destinations ?? []) as { server?: string; name?: string; namespace?: string }[]).some(
    (d) => (d.server ? globMatch(d.server, server) : d.name ? globMatch(d.name, 'in-cluster') : false) && globMatch(d.namespace ?? '*', namespace),
  );
}

/** InvalidSpecError messages of an Application against its project (Argo CD wording). */
export function specErrors(app: KubeObject, projectOf: ProjectLookup): string[] {
  const spec = app.spec ?? {};
  const projectName: string = spec.project ?? 'default';
  const project = projectOf(projectName);
  if (!project) return [`Application referencing project ${projectName} which does not exist`];
  const errors: string[] = [];
  const source = spec.source as AppSource | undefined;
  if (!source?.repoURL) errors.push('spec.source.repoURL and either spec.source.path, spec.source.chart, or spec.source.ref are required');
  else if (!((project.spec?.sourceRepos ?? []) as string[]).some((p) => globMatch(normalizeRepoURL(p), normalizeRepoURL(source.repoURL)))) {
    errors.push(`application repo ${source.repoURL} is not permitted in project '${projectName}'`);
  }
  const dest = spec.destination ?? {};
  const server: string = dest.server ?? (dest.name === 'in-cluster' ? IN_CLUSTER : '');
  if (!server) errors.push(`unable to find destination server: there are no clusters with this name: ${dest.name}`);
  else if (!destinationPermitted(project, server, dest.namespace ?? '')) {
    errors.push(`application destination server '${server}' and namespace '${dest.namespace ?? ''}' do not match any of the allowed destinations in project '${projectName}'`);
  } else if (server !== IN_CLUSTER) {
    errors.push(`unable to find destination server: there are no clusters with this URL: ${server}`);
  }
  return errors;
}

/** Resource-level project checks (cluster-scoped whitelist, namespace destinations). */
export function resourceNotPermitted(app: KubeObject, o: KubeObject, projectOf: ProjectLookup): string | undefined {
  const projectName: string = app.spec?.project ?? 'default';
  const project = projectOf(projectName);
  if (!project) return `Application referencing project ${projectName} which does not exist`;
  const info = kindInfo(o.apiVersion, o.kind);
  const group = groupOf(o.apiVersion);
  const matches = (list: { group: string; kind: string }[] | undefined) => (list ?? []).some((x) => globMatch(x.group, group) && globMatch(x.kind, o.kind));
  if (info && !info.namespaced) {
    if (!matches(project.spec?.clusterResourceWhitelist) || matches(project.spec?.clusterResourceBlacklist)) {
      return `Resource ${group}:${o.kind} is not permitted in project ${projectName}.`;
    }
    if (o.kind === 'Namespace' && !destinationPermitted(project, IN_CLUSTER, o.metadata.name)) {
      return `namespace ${o.metadata.name} is not permitted in project '${projectName}'`;
    }
    return undefined;
  }
  if (matches(project.spec?.namespaceResourceBlacklist) || (project.spec?.namespaceResourceWhitelist && !matches(project.spec.namespaceResourceWhitelist))) {
    return `Resource ${group}:${o.kind} is not permitted in project ${projectName}.`;
  }
  if (!destinationPermitted(project, IN_CLUSTER, o.metadata.namespace ?? '')) {
    return `namespace ${o.metadata.namespace} is not permitted in project '${projectName}'`;
  }
  return undefined;
}

