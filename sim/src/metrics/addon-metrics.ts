/**
 * The add-ons' own metrics for the objects the sim holds: Argo CD's application controller
 * (argocd_app_info, one series per Application with its current sync and health status — "Unknown"
 * when unset —, operation "sync"/"delete" and the last operation's phase, labelled as Argo CD's
 * controller/metrics collector does; the repo URL is not normalised the way Argo CD's is) and cert-manager's controller (certmanager_certificate_ready_status, one
 * series per condition status with 1 on the current one; expiration and renewal timestamps once the
 * Certificate has notAfter / renewalTime — cert-manager's certificate collector).
 */
import type { ClusterStore } from '../cluster-store.ts';
import { family, type MetricFamily } from './exposition.ts';

export function argoCdMetrics(store: ClusterStore): MetricFamily[] {
  const info = family('argocd_app_info', 'gauge', 'Information about application.');
  for (const app of store.list('argoproj.io/v1alpha1', 'Application')) {
    const source = app.spec?.source ?? app.spec?.sources?.[0] ?? {};
    const operation = app.metadata.deletionTimestamp ? 'delete' : (app.operation as { sync?: unknown } | undefined)?.sync ? 'sync' : '';
    info.add(
      {
        autosync_enabled: String(!!app.spec?.syncPolicy?.automated),
        dest_namespace: app.spec?.destination?.namespace ?? '',
        dest_server: app.spec?.destination?.server ?? app.spec?.destination?.name ?? '',
        health_status: app.status?.health?.status || 'Unknown',
        name: app.metadata.name,
        namespace: app.metadata.namespace as string,
        operation,
        phase: app.status?.operationState?.phase ?? '',
        project: app.spec?.project || 'default',
        repo: source.repoURL ?? '',
        sync_status: app.status?.sync?.status || 'Unknown',
      },
      1,
    );
  }
  return [info];
}

export function certManagerMetrics(store: ClusterStore): MetricFamily[] {
  const ready = family('certmanager_certificate_ready_status', 'gauge', 'The ready status of the certificate.');
  const expiry = family('certmanager_certificate_expiration_timestamp_seconds', 'gauge', 'The timestamp after which the certificate expires, expressed in Unix Epoch Time.');
  const renewal = family('certmanager_certificate_renewal_timestamp_seconds', 'gauge', 'The timestamp after which the certificate should be renewed, expressed in Unix Epoch Time.');
  for (const cert of store.list('cert-manager.io/v1', 'Certificate')) {
    const ref = cert.spec?.issuerRef ?? {};
    const labels = { issuer_group: ref.group ?? '', issuer_kind: ref.kind ?? '', issuer_name: ref.name ?? '', name: cert.metadata.name, namespace: cert.metadata.namespace as string };
    const status = ((cert.status?.conditions ?? []) as { type: string; status: string }[]).find((c) => c.type === 'Ready')?.status ?? 'Unknown';
    for (const condition of ['True', 'False', 'Unknown']) ready.add({ condition, ...labels }, condition === status ? 1 : 0);
    if (cert.status?.notAfter) expiry.add(labels, Date.parse(cert.status.notAfter) / 1000);
    if (cert.status?.renewalTime) renewal.add(labels, Date.parse(cert.status.renewalTime) / 1000);
  }
  return [ready, expiry, renewal];
}
