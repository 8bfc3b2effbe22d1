{{/*
Helpers of the woocommerce-store chart. Every helper is prefixed with the chart name.
*/}}

{{/* Chart name (never overridable: it is part of the selector labels). */}}
{{- define "woocommerce-store.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Base name of the store's objects; independent of the release name (one store per namespace). */}}
{{- define "woocommerce-store.fullname" -}}
{{- .Values.fullnameOverride | default "store" | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* name-version, as used by the helm.sh/chart label. */}}
{{- define "woocommerce-store.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The store id, validated (the schema already rejects a bad one; this guards direct template use). */}}
{{- define "woocommerce-store.storeId" -}}
{{- $id := required "store.id is required (a lowercase UUID)" .Values.store.id -}}
{{- if not (regexMatch "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" $id) -}}
{{- fail (printf "store.id %q is not a lowercase UUID" $id) -}}
{{- end -}}
{{- $id -}}
{{- end -}}

{{/* The store's namespace: store-<id>. */}}
{{- define "woocommerce-store.namespace" -}}
{{- printf "store-%s" (include "woocommerce-store.storeId" .) -}}
{{- end -}}

{{/* The store's public hostname. */}}
{{- define "woocommerce-store.domain" -}}
{{- required "store.domain is required" .Values.store.domain -}}
{{- end -}}

{{/* The host WordPress calls home: store.primaryDomain (a verified custom domain), else store.domain. */}}
{{- define "woocommerce-store.homeDomain" -}}
{{- if .Values.store.primaryDomain -}}
{{- if not (has .Values.store.primaryDomain .Values.ingress.extraHosts) -}}
{{- fail "store.primaryDomain must be one of ingress.extraHosts" -}}
{{- end -}}
{{- .Values.store.primaryDomain -}}
{{- else -}}
{{- include "woocommerce-store.domain" . -}}
{{- end -}}
{{- end -}}

{{/* Name of the one Secret (contract with the platform: fixed, so strict-scope sealing works). */}}
{{- define "woocommerce-store.secretName" -}}
store-secrets
{{- end -}}

{{/* Object names. */}}
{{- define "woocommerce-store.wordpressName" -}}
{{- printf "%s-wordpress" (include "woocommerce-store.fullname" .) -}}
{{- end -}}
{{- define "woocommerce-store.holdingPageName" -}}
{{- printf "%s-paused" (include "woocommerce-store.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "woocommerce-store.mysqlName" -}}
{{- printf "%s-mysql" (include "woocommerce-store.fullname" .) -}}
{{- end -}}
{{- define "woocommerce-store.wordpressPvcName" -}}
{{- printf "%s-wordpress-content" (include "woocommerce-store.fullname" .) -}}
{{- end -}}
{{- define "woocommerce-store.mysqlPvcName" -}}
{{- printf "%s-mysql-data" (include "woocommerce-store.fullname" .) -}}
{{- end -}}
{{- define "woocommerce-store.serviceAccountName" -}}
{{- include "woocommerce-store.fullname" . -}}
{{- end -}}
{{- define "woocommerce-store.tlsSecretName" -}}
{{- .Values.ingress.tlsSecretName | default (printf "store-%s-tls" (include "woocommerce-store.storeId" .)) -}}
{{- end -}}

{{/* Store identity labels (store id, owner). */}}
{{- define "woocommerce-store.storeLabels" -}}
store-platform.io/store-id: {{ include "woocommerce-store.storeId" . | quote }}
{{- with .Values.store.owner }}
store-platform.io/owner: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "woocommerce-store.labels" -}}
helm.sh/chart: {{ include "woocommerce-store.chart" . }}
app.kubernetes.io/name: {{ include "woocommerce-store.name" . }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: store-platform
{{ include "woocommerce-store.storeLabels" . }}
{{- end -}}

{{/*
Selector labels for a component. They never change between chart versions: the chart name, the
component and the store id only (not the release name, so renaming the release cannot break an
immutable selector).
Usage: include "woocommerce-store.selectorLabels" (dict "ctx" . "component" "wordpress")
*/}}
{{- define "woocommerce-store.selectorLabels" -}}
app.kubernetes.io/name: {{ include "woocommerce-store.name" .ctx }}
app.kubernetes.io/component: {{ .component }}
store-platform.io/store-id: {{ include "woocommerce-store.storeId" .ctx | quote }}
{{- end -}}

{{/* Labels of a component's objects: common labels plus the component. */}}
{{- define "woocommerce-store.componentLabels" -}}
{{ include "woocommerce-store.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
Pod template labels: selector labels plus instance, part-of and owner; no version labels, so a chart
bump alone does not restart pods.
*/}}
{{- define "woocommerce-store.podLabels" -}}
{{ include "woocommerce-store.selectorLabels" . }}
app.kubernetes.io/instance: {{ .ctx.Release.Name | quote }}
app.kubernetes.io/part-of: store-platform
{{- with .ctx.Values.store.owner }}
store-platform.io/owner: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Pod-level security context (Pod Security "restricted"). Usage: include ... (dict "uid" 1000) */}}
{{- define "woocommerce-store.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level security context (Pod Security "restricted", read-only root). */}}
{{- define "woocommerce-store.containerSecurityContext" -}}
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

{{/* Image reference: repository:tag, with @digest beside the tag when one is pinned. */}}
{{- define "woocommerce-store.image" -}}
{{- if .digest -}}
{{- printf "%s:%s@%s" .repository .tag .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}

{{/* Keys of the store Secret (the contract with the platform). */}}
{{- define "woocommerce-store.saltKeys" -}}
AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT
{{- end -}}
{{- define "woocommerce-store.secretKeys" -}}
mysql-root-password mysql-password wordpress-admin-user wordpress-admin-password {{ include "woocommerce-store.saltKeys" . }}
{{- end -}}
{{/* Optional keys of the store Secret: the probe user's and the SMTP relay's passwords. */}}
{{- define "woocommerce-store.optionalSecretKeys" -}}
mysql-probe-password smtp-password
{{- end -}}
{{/* An env var read from an optional key of the store Secret (absent key: variable unset). */}}
{{- define "woocommerce-store.optionalSecretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "woocommerce-store.secretName" .ctx }}
      key: {{ .key }}
      optional: true
{{- end -}}

{{/* An env var read from the store Secret. Usage: include ... (dict "name" "X" "key" "k" "ctx" .) */}}
{{- define "woocommerce-store.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "woocommerce-store.secretName" .ctx }}
      key: {{ .key }}
{{- end -}}

{{/* Environment WordPress (and the setup Job's WP-CLI) read wp-config.php from: DB and salts. */}}
{{- define "woocommerce-store.wordpressEnv" -}}
- name: WORDPRESS_DB_HOST
  value: {{ include "woocommerce-store.mysqlName" . | quote }}
- name: WORDPRESS_DB_NAME
  value: {{ .Values.mysql.database | quote }}
- name: WORDPRESS_DB_USER
  value: {{ .Values.mysql.user | quote }}
{{ include "woocommerce-store.secretEnv" (dict "name" "WORDPRESS_DB_PASSWORD" "key" "mysql-password" "ctx" .) }}
{{- range (include "woocommerce-store.saltKeys" . | splitList " ") }}
{{ include "woocommerce-store.secretEnv" (dict "name" (printf "WORDPRESS_%s" .) "key" . "ctx" $) }}
{{- end }}
- name: WORDPRESS_CONFIG_EXTRA
  value: |
    define('WP_HOME', 'https://{{ include "woocommerce-store.homeDomain" . }}');
    define('WP_SITEURL', 'https://{{ include "woocommerce-store.homeDomain" . }}');
    define('FS_METHOD', 'direct');
    // Core lives in the image and plugins change only through the setup run (WP-CLI ignores these):
    // no per-pod write can skew versions between replicas.
    define('DISALLOW_FILE_MODS', true);
    define('AUTOMATIC_UPDATER_DISABLED', true);
    define('WP_AUTO_UPDATE_CORE', false);
    {{- if .Values.cron.enabled }}
    // WP-Cron runs as a CronJob; page loads never call wp-cron.php through the Ingress.
    define('DISABLE_WP_CRON', true);
    {{- end }}
    {{- with .Values.wordpress.configExtra }}
    {{- . | nindent 4 }}
    {{- end }}
{{- with .Values.smtp.host }}
- name: STORE_SMTP_HOST
  value: {{ . | quote }}
- name: STORE_SMTP_PORT
  value: {{ $.Values.smtp.port | quote }}
- name: STORE_SMTP_ENCRYPTION
  value: {{ $.Values.smtp.encryption | quote }}
- name: STORE_SMTP_USER
  value: {{ $.Values.smtp.username | quote }}
- name: STORE_SMTP_FROM
  value: {{ $.Values.smtp.fromAddress | default (printf "shop@%s" (include "woocommerce-store.domain" $)) | quote }}
- name: STORE_SMTP_FROM_NAME
  value: {{ $.Values.smtp.fromName | default $.Values.store.name | quote }}
{{- if $.Values.smtp.username }}
{{ include "woocommerce-store.optionalSecretEnv" (dict "name" "STORE_SMTP_PASSWORD" "key" "smtp-password" "ctx" $) }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Apache MaxRequestWorkers: given, or (memory limit - OPcache - 64Mi) / workerMemory, at least 2. */}}
{{- define "woocommerce-store.maxRequestWorkers" -}}
{{- $w := .Values.wordpress -}}
{{- if gt (int $w.maxRequestWorkers) 0 -}}
{{- $w.maxRequestWorkers -}}
{{- else -}}
{{- $limit := include "woocommerce-store.mebibytes" (dig "limits" "memory" "512Mi" $w.resources) | int -}}
{{- $worker := include "woocommerce-store.mebibytes" $w.workerMemory | int -}}
{{- $free := sub $limit (add (int $w.php.opcache.memoryMb) 64) -}}
{{- max 2 (div $free $worker) -}}
{{- end -}}
{{- end -}}

{{/* A memory quantity (Mi, Gi, M, G or bytes) in whole MiB. */}}
{{- define "woocommerce-store.mebibytes" -}}
{{- $q := toString . -}}
{{- if hasSuffix "Gi" $q -}}{{- mul (trimSuffix "Gi" $q | int) 1024 -}}
{{- else if hasSuffix "Mi" $q -}}{{- trimSuffix "Mi" $q | int -}}
{{- else if hasSuffix "G" $q -}}{{- div (mul (trimSuffix "G" $q | int64) 1000000000) 1048576 -}}
{{- else if hasSuffix "M" $q -}}{{- div (mul (trimSuffix "M" $q | int64) 1000000) 1048576 -}}
{{- else -}}{{- div ($q | int64) 1048576 -}}
{{- end -}}
{{- end -}}

{{/* Pull secrets of a pod spec. */}}
{{- define "woocommerce-store.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
Pod spec of a WP-CLI run (the setup hook and the WP-Cron CronJob): an init container copies WordPress
core from the WordPress image into a scratch document root; WP-CLI then works on it with the persistent
wp-content, the same wp-config.php settings as the site and the chart's mu-plugin.
Usage: include "woocommerce-store.wpcliPodSpec" (dict "ctx" . "script" "setup.sh" "resources" ... "env" "<yaml list>")
*/}}
{{- define "woocommerce-store.wpcliPodSpec" -}}
{{- $ := .ctx -}}
restartPolicy: Never
serviceAccountName: {{ include "woocommerce-store.serviceAccountName" $ }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- include "woocommerce-store.podSecurityContext" (dict "uid" 1000) | nindent 2 }}
{{- include "woocommerce-store.imagePullSecrets" $ }}
{{- with (include "woocommerce-store.contentAffinity" $) }}
{{ . }}
{{- end }}
initContainers:
  - name: copy-core
    image: {{ include "woocommerce-store.image" $.Values.images.wordpress | quote }}
    imagePullPolicy: {{ $.Values.images.wordpress.pullPolicy }}
    command: ["/bin/sh", "/scripts/copy-core.sh"]
    resources:
      {{- toYaml $.Values.setup.initResources | nindent 6 }}
    securityContext:
      {{- include "woocommerce-store.containerSecurityContext" $ | nindent 6 }}
    volumeMounts:
      - name: html
        mountPath: /var/www/html
      - name: content
        mountPath: /var/www/html/wp-content
      - name: scripts
        mountPath: /scripts
        readOnly: true
containers:
  - name: {{ .name }}
    image: {{ include "woocommerce-store.image" $.Values.images.wpcli | quote }}
    imagePullPolicy: {{ $.Values.images.wpcli.pullPolicy }}
    command: ["/bin/sh", "/scripts/{{ .script }}"]
    env:
      {{- include "woocommerce-store.wordpressEnv" $ | nindent 6 }}
      {{- with .env }}
      {{- . | nindent 6 }}
      {{- end }}
      - name: HOME
        value: /tmp
      - name: WP_CLI_CACHE_DIR
        value: /tmp/wp-cli-cache
    resources:
      {{- toYaml .resources | nindent 6 }}
    securityContext:
      {{- include "woocommerce-store.containerSecurityContext" $ | nindent 6 }}
    volumeMounts:
      - name: html
        mountPath: /var/www/html
      - name: content
        mountPath: /var/www/html/wp-content
      - name: wordpress-config
        mountPath: /var/www/html/wp-content/mu-plugins/store-platform.php
        subPath: store-platform.php
        readOnly: true
      - name: tmp
        mountPath: /tmp
      - name: scripts
        mountPath: /scripts
        readOnly: true
volumes:
  - name: html
    emptyDir:
      sizeLimit: 512Mi
  - name: content
    persistentVolumeClaim:
      claimName: {{ include "woocommerce-store.wordpressPvcName" $ }}
  - name: wordpress-config
    configMap:
      name: {{ include "woocommerce-store.wordpressName" $ }}-apache
      items:
        - key: store-platform.php
          path: store-platform.php
  - name: tmp
    emptyDir:
      sizeLimit: 1Gi
  - name: scripts
    configMap:
      name: {{ include "woocommerce-store.fullname" $ }}-setup-scripts
{{- with $.Values.wordpress.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $.Values.wordpress.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Pod affinity that keeps every pod mounting a ReadWriteOnce wp-content volume on the node of the
WordPress pods (an RWO volume attaches to one node only).
*/}}
{{- define "woocommerce-store.contentAffinity" -}}
{{- if eq .Values.wordpress.persistence.accessMode "ReadWriteOnce" -}}
affinity:
  podAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector:
          matchLabels:
            {{- include "woocommerce-store.selectorLabels" (dict "ctx" . "component" "wordpress") | nindent 12 }}
        topologyKey: kubernetes.io/hostname
{{- end }}
{{- end -}}
