{{- define "platform.labels" -}}
app.kubernetes.io/part-of: tenantry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
tenantry.io/tenant: master
{{- end -}}
{{- define "platform.host" -}}master.{{ .Values.domain }}{{- end -}}
{{/* The names the kubernetes driver uses too (packages/drivers/kubernetes/src/tenant-namespace.ts; its test checks them). */}}
{{- define "platform.tenantNamespacePrefix" -}}tenant-{{- end -}}
{{- define "platform.masterServiceAccount" -}}tenantry-master{{- end -}}
{{- define "platform.tenantReleaseRole" -}}tenantry-tenant-release{{- end -}}
{{/* The image by digest (repository@sha256:...) when image.digest is set, else by tag. */}}
{{- define "platform.image" -}}
{{- if .Values.image.digest -}}{{ .Values.image.repository }}@{{ .Values.image.digest }}{{- else -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}
{{- end -}}
{{/* The activator: where frozen tenants' Ingresses lead (through each tenant namespace's ExternalName Service `activator`). */}}
{{- define "platform.activatorName" -}}tenantry-activator{{- end -}}
{{- define "platform.activatorSelector" -}}
app.kubernetes.io/name: {{ include "platform.activatorName" . }}
{{- end -}}
{{/* The activator's labels: not the master's (tenantry.io/tenant: master), so the master's NetworkPolicy does not take it in. */}}
{{- define "platform.activatorLabels" -}}
app.kubernetes.io/part-of: tenantry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{ include "platform.activatorSelector" . }}
{{- end -}}
