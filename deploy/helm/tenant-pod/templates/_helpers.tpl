{{/* The tenant's namespace, labels and tier settings. */}}
{{- define "tenant-pod.namespace" -}}tenant-{{ .Values.tenant.slug }}{{- end -}}
{{- define "tenant-pod.host" -}}{{ .Values.tenant.slug }}.{{ .Values.domain }}{{- end -}}
{{- define "tenant-pod.tier" -}}{{ index .Values.tiers .Values.tenant.tier | toYaml }}{{- end -}}
{{- define "tenant-pod.envSecret" -}}{{ .Values.env.secretName | default (printf "tenant-%s-env" .Values.tenant.slug) }}{{- end -}}

{{- define "tenant-pod.labels" -}}
app.kubernetes.io/part-of: tenantry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
tenantry.io/tenant: {{ .Values.tenant.slug }}
tenantry.io/tier: {{ .Values.tenant.tier }}
{{- end -}}

{{- define "tenant-pod.selector" -}}
tenantry.io/tenant: {{ .root.Values.tenant.slug }}
tenantry.io/program: {{ .program }}
{{- end -}}

{{/* Replicas of a program that has no autoscaler. */}}
{{- define "tenant-pod.replicas" -}}
{{- $tier := include "tenant-pod.tier" .root | fromYaml -}}
{{- if eq .program "scheduler" }}1{{ else }}{{ $tier.replicas }}{{ end -}}
{{- end -}}

{{/* CPU in millicores and memory in MiB, for the quota check. */}}
{{- define "tenant-pod.millicores" -}}
{{- $v := toString . -}}
{{- if hasSuffix "m" $v }}{{ trimSuffix "m" $v }}{{ else }}{{ mulf $v 1000 | int }}{{ end -}}
{{- end -}}
{{- define "tenant-pod.mebibytes" -}}
{{- $v := toString . -}}
{{- if hasSuffix "Gi" $v }}{{ mul (trimSuffix "Gi" $v | int) 1024 }}{{ else }}{{ trimSuffix "Mi" $v }}{{ end -}}
{{- end -}}

{{/*
Refuses a tier whose pods at full scale (the user backend at its HPA maximum, every Deployment with one
extra pod while it rolls out) would not fit in the namespace's quota: the HPA would stop short of its
maximum without saying why.
*/}}
{{- define "tenant-pod.checkQuota" -}}
{{- $tier := include "tenant-pod.tier" . | fromYaml -}}
{{- $deployments := len .Values.programs -}}
{{- $pods := add $tier.userBackend.maxReplicas (mul $tier.replicas 2) 1 $deployments -}}
{{- if gt (int $pods) (int $tier.quota.pods) -}}
{{- fail (printf "tiers.%s: %d pods at full scale (user backend at maxReplicas %d, plus the others and one rollout surge per Deployment) exceed quota.pods %s" .Values.tenant.tier (int $pods) (int $tier.userBackend.maxReplicas) $tier.quota.pods) -}}
{{- end -}}
{{- $checks := list
  (list "requestsCpu" (include "tenant-pod.millicores" $tier.resources.requests.cpu) (include "tenant-pod.millicores" $tier.quota.requestsCpu))
  (list "requestsMemory" (include "tenant-pod.mebibytes" $tier.resources.requests.memory) (include "tenant-pod.mebibytes" $tier.quota.requestsMemory))
  (list "limitsCpu" (include "tenant-pod.millicores" $tier.resources.limits.cpu) (include "tenant-pod.millicores" $tier.quota.limitsCpu))
  (list "limitsMemory" (include "tenant-pod.mebibytes" $tier.resources.limits.memory) (include "tenant-pod.mebibytes" $tier.quota.limitsMemory)) -}}
{{- range $checks -}}
{{- $need := mul (index . 1 | int) $pods -}}
{{- if gt (int $need) (index . 2 | int) -}}
{{- fail (printf "tiers.%s: %d pods at full scale need %d of %s, more than quota.%s allows (%s)" $.Values.tenant.tier (int $pods) (int $need) (index . 0) (index . 0) (index . 2)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{/* The image by digest (repository@sha256:...) when image.digest is set, else by tag. */}}
{{- define "tenant-pod.image" -}}
{{- if .Values.image.digest -}}{{ .Values.image.repository }}@{{ .Values.image.digest }}{{- else -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}
{{- end -}}
