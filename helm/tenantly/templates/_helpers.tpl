{{/* Names */}}
{{- define "tenantly.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tenantly.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels; "tenantly.selectorLabels" takes (dict "root" $ "component" "web") */}}
{{- define "tenantly.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tenantly.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tenantly.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "tenantly.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: tenantly
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "tenantly.image" -}}
{{- if .Values.image.digest -}}
{{ printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}
{{- end -}}

{{- define "tenantly.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tenantly.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tenantly.secretName" -}}
{{- default (include "tenantly.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{- define "tenantly.claimName" -}}
{{- default (printf "%s-files" (include "tenantly.fullname" .)) .Values.persistence.existingClaim -}}
{{- end -}}

{{/* The secret's data: one definition for the release's secret and the migration hook's copy.
     An empty secretKey is generated once and then read back from the live secret on upgrades
     (on the first install the hook's copy gets a key of its own: migrations sign nothing). */}}
{{- define "tenantly.secretData" -}}
{{- $secretKey := .Values.secrets.secretKey -}}
{{- if not $secretKey -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "tenantly.fullname" .) -}}
{{- if and $existing (index $existing.data "SECRET_KEY") -}}
{{- $secretKey = index $existing.data "SECRET_KEY" | b64dec -}}
{{- else -}}
{{- $secretKey = randAlphaNum 64 -}}
{{- end -}}
{{- end -}}
SECRET_KEY: {{ $secretKey | b64enc | quote }}
DATABASE_URL: {{ .Values.secrets.databaseUrl | b64enc | quote }}
REDIS_URL: {{ .Values.secrets.redisUrl | b64enc | quote }}
ELASTICSEARCH_URL: {{ .Values.secrets.elasticsearchUrl | b64enc | quote }}
EMAIL_URL: {{ default "consolemail://" .Values.secrets.emailUrl | b64enc | quote }}
STRIPE_SECRET_KEY: {{ .Values.secrets.stripeSecretKey | b64enc | quote }}
STRIPE_WEBHOOK_SECRET: {{ .Values.secrets.stripeWebhookSecret | b64enc | quote }}
SENTRY_DSN: {{ .Values.secrets.sentryDsn | b64enc | quote }}
METRICS_TOKEN: {{ .Values.secrets.metricsToken | b64enc | quote }}
CREDENTIALS_KEY: {{ .Values.secrets.credentialsKey | b64enc | quote }}
{{- end -}}

{{/* Environment of every container: settings from the ConfigMap, keys from the secret.
     Takes (dict "root" $ "secret" <secret name>). */}}
{{- define "tenantly.env" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- range $key := list "SECRET_KEY" "DATABASE_URL" "REDIS_URL" "ELASTICSEARCH_URL" "EMAIL_URL" "STRIPE_SECRET_KEY" "STRIPE_WEBHOOK_SECRET" "SENTRY_DSN" "METRICS_TOKEN" "CREDENTIALS_KEY" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $.secret }}
      key: {{ $key }}
      optional: {{ not (has $key (list "SECRET_KEY" "DATABASE_URL" "REDIS_URL")) }}
{{- end }}
{{- with .root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Settings that are not secret, as environment variables (the ConfigMap's data). */}}
{{- define "tenantly.settings" -}}
TENANTLY_EMBEDDED_DEFAULTS: "false"
TENANTLY_DATA_DIR: /tmp/tenantly
DJANGO_SETTINGS_MODULE: config.settings
BASE_DOMAIN: {{ .Values.baseDomain | quote }}
BASE_URL_SCHEME: {{ ternary "https" "http" .Values.ingress.tls.enabled | quote }}
BASE_URL_PORT: ""
ALLOWED_HOSTS: {{ ternary "*" (join "," (concat (list .Values.baseDomain (printf ".%s" .Values.baseDomain)) .Values.extraAllowedHosts)) .Values.customDomains.enabled | quote }}
CSRF_TRUSTED_ORIGINS: {{ printf "%s://%s,%s://*.%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.baseDomain (ternary "https" "http" .Values.ingress.tls.enabled) .Values.baseDomain | quote }}
SESSION_COOKIE_SECURE: {{ .Values.ingress.tls.enabled | quote }}
SECURE_HSTS_SECONDS: {{ .Values.hstsSeconds | quote }}
LOG_LEVEL: {{ .Values.logLevel | quote }}
LOG_FORMAT: {{ .Values.logFormat | quote }}
CONN_MAX_AGE: {{ .Values.connMaxAge | quote }}
MIGRATION_PROCESSES: {{ .Values.migrations.processes | quote }}
DEFAULT_PHONE_REGION: {{ .Values.defaultPhoneRegion | quote }}
DEFAULT_FROM_EMAIL: {{ .Values.defaultFromEmail | quote }}
EXPORT_DIRECT_ROWS: {{ .Values.exportDirectRows | quote }}
EXPORT_KEEP_DAYS: {{ .Values.exportKeepDays | quote }}
MEDIA_ROOT: /data/media
PROMETHEUS_MULTIPROC_DIR: /tmp/metrics
{{- end -}}

{{/* Writable places under a read-only root filesystem: /tmp, and the shared files volume. */}}
{{- define "tenantly.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.persistence.enabled }}
- name: files
  mountPath: /data/media
{{- end }}
{{- end -}}

{{- define "tenantly.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if .Values.persistence.enabled }}
- name: files
  persistentVolumeClaim:
    claimName: {{ include "tenantly.claimName" . }}
{{- end }}
{{- end -}}

{{/* What every pod of the release shares. Takes (dict "root" $ "component" "web"). */}}
{{- define "tenantly.podSpecCommon" -}}
serviceAccountName: {{ include "tenantly.serviceAccountName" .root }}
automountServiceAccountToken: false
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
volumes:
  {{- include "tenantly.volumes" .root | nindent 2 }}
{{- end -}}

{{- define "tenantly.checksums" -}}
checksum/config: {{ include "tenantly.settings" . | sha256sum }}
{{- if not .Values.existingSecret }}
checksum/secret: {{ omit .Values.secrets "secretKey" | toJson | sha256sum }}
{{- end }}
{{- end -}}
