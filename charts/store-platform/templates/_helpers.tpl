{{/*
Helpers of the store-platform chart. Every helper is prefixed with the chart name.
*/}}

{{/* Chart name (never overridable: it is part of the selector labels). */}}
{{- define "store-platform.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Base name of the release's objects. */}}
{{- define "store-platform.fullname" -}}
{{- .Values.fullnameOverride | default .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* name-version, as used by the helm.sh/chart label. */}}
{{- define "store-platform.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "store-platform.labels" -}}
helm.sh/chart: {{ include "store-platform.chart" . }}
app.kubernetes.io/name: {{ include "store-platform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: store-platform
{{- end -}}

{{/*
Selector labels of a component; they never change between chart versions.
Usage: include "store-platform.selectorLabels" (dict "ctx" . "component" "api")
*/}}
{{- define "store-platform.selectorLabels" -}}
app.kubernetes.io/name: {{ include "store-platform.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name | quote }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of a component's objects. */}}
{{- define "store-platform.componentLabels" -}}
{{ include "store-platform.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Pod template labels: selector labels plus part-of (no version: a chart bump alone restarts nothing). */}}
{{- define "store-platform.podLabels" -}}
{{ include "store-platform.selectorLabels" . }}
app.kubernetes.io/part-of: store-platform
{{- end -}}

{{- define "store-platform.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default (include "store-platform.fullname" .) -}}
{{- end -}}

{{/* The Secret with JWT_SECRET, SECRETS_ENCRYPTION_KEY, ... (existing, or the one the SealedSecret makes). */}}
{{- define "store-platform.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "store-platform.fullname" .)) -}}
{{- end -}}

{{/* The CNPG Cluster's name; CNPG writes the app user's credentials (key `uri`) to <name>-app. */}}
{{- define "store-platform.databaseName" -}}
{{- printf "%s-db" (include "store-platform.fullname" .) -}}
{{- end -}}

{{- define "store-platform.tlsSecretName" -}}
{{- .Values.ingress.tlsSecretName | default (printf "%s-tls" (include "store-platform.fullname" .)) -}}
{{- end -}}

{{/* image reference: repository@digest or repository:tag (default appVersion). */}}
{{- define "store-platform.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/*
The container command: the same entrypoint as the image's (Dockerfile ENTRYPOINT + CMD), written out so
a reader of the Deployment sees what runs. The chart test checks they agree.
*/}}
{{- define "store-platform.command" -}}
- node
- api/src/main.ts
{{- end -}}

{{/* Pod-level security context (Pod Security "restricted"). The image's user is 1000 (node). */}}
{{- define "store-platform.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level security context (Pod Security "restricted", read-only root). */}}
{{- define "store-platform.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Environment of every platform container: the non-secret configuration, then the secrets by reference.
Usage: include "store-platform.env" (dict "ctx" . "roles" "api")
*/}}
{{- define "store-platform.env" -}}
{{- $c := .ctx.Values.config -}}
{{- $secret := include "store-platform.secretName" .ctx -}}
- name: NODE_ENV
  value: production
- name: ROLES
  value: {{ .roles | quote }}
- name: PORT
  value: "8080"
- name: HOME
  value: /tmp
- name: BASE_DOMAIN
  value: {{ $c.baseDomain | quote }}
- name: OPERATOR_EMAILS
  value: {{ join "," $c.operatorEmails | quote }}
- name: ALLOW_REGISTRATION
  value: {{ $c.allowRegistration | quote }}
- name: LOG_LEVEL
  value: {{ $c.logLevel | quote }}
- name: TRUST_PROXY_HOPS
  value: {{ $c.trustProxyHops | quote }}
- name: DEFAULT_STORE_QUOTA
  value: {{ $c.defaultStoreQuota | quote }}
- name: DATABASE_POOL_MAX
  value: {{ .ctx.Values.database.poolMax | quote }}
- name: WORKER_CONCURRENCY
  value: {{ .ctx.Values.worker.concurrency | quote }}
- name: GITOPS_REPO
  value: {{ $c.gitopsRepo | quote }}
{{- with $c.gitopsRepoUrl }}
- name: GITOPS_REPO_URL
  value: {{ . | quote }}
{{- end }}
- name: GITOPS_BRANCH
  value: {{ $c.gitopsBranch | quote }}
- name: GITOPS_MODE
  value: {{ $c.gitopsMode | quote }}
{{- with $c.githubRepository }}
- name: GITHUB_REPOSITORY
  value: {{ . | quote }}
{{- end }}
- name: ARGOCD_NAMESPACE
  value: {{ .ctx.Values.rbac.argocdNamespace | quote }}
- name: ARGOCD_ROOT_APP
  value: {{ $c.argocdRootApp | quote }}
- name: SEALED_SECRETS_NAMESPACE
  value: {{ .ctx.Values.rbac.sealedSecretsNamespace | quote }}
- name: SEALED_SECRETS_CONTROLLER
  value: {{ .ctx.Values.rbac.sealedSecretsController | quote }}
- name: CLUSTER_ISSUER
  value: {{ $c.clusterIssuer | quote }}
- name: INGRESS_CLASS
  value: {{ $c.ingressClass | quote }}
- name: STORE_READY_TIMEOUT_SECONDS
  value: {{ $c.storeReadyTimeoutSeconds | quote }}
{{- with $c.prometheusUrl }}
- name: PROMETHEUS_URL
  value: {{ . | quote }}
{{- end }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- if .ctx.Values.database.cnpg.enabled }}
      name: {{ include "store-platform.databaseName" .ctx }}-app
      key: uri
      {{- else }}
      name: {{ $secret }}
      key: DATABASE_URL
      {{- end }}
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: JWT_SECRET
- name: SECRETS_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: SECRETS_ENCRYPTION_KEY
- name: GITOPS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: GITOPS_TOKEN
      optional: true
- name: GITHUB_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: GITHUB_TOKEN
      optional: true
{{- with $c.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
