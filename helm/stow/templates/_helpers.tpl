{{/* Chart name. */}}
{{- define "stow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the prefix of every resource name. Short enough for "-webhook-tls-generated". */}}
{{- define "stow.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "stow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "stow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "stow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "stow.labels" -}}
helm.sh/chart: {{ include "stow.chart" . }}
{{ include "stow.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: stow
{{- end }}

{{- define "stow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "stow.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "stow.webhookServiceName" -}}
{{- printf "%s-webhook" (include "stow.fullname" .) }}
{{- end }}

{{- define "stow.metricsServiceName" -}}
{{- printf "%s-metrics" (include "stow.fullname" .) }}
{{- end }}

{{- define "stow.configMapName" -}}
{{- printf "%s-config" (include "stow.fullname" .) }}
{{- end }}

{{/* The cert-manager Certificate of the webhook (the CA injection annotation names it). */}}
{{- define "stow.certificateName" -}}
{{- printf "%s-webhook" (include "stow.fullname" .) }}
{{- end }}

{{/* Secret holding tls.crt/tls.key (and ca.crt): cert-manager's, or the chart-generated one. */}}
{{- define "stow.tlsSecretName" -}}
{{- if .Values.certManager.enabled }}
{{- printf "%s-webhook-tls" (include "stow.fullname" .) }}
{{- else }}
{{- printf "%s-webhook-tls-generated" (include "stow.fullname" .) }}
{{- end }}
{{- end }}

{{- define "stow.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* "cert-manager.io/inject-ca-from" value: <namespace>/<certificate>. */}}
{{- define "stow.injectCaFrom" -}}
{{- printf "%s/%s" .Release.Namespace (include "stow.certificateName" .) }}
{{- end }}

{{/*
The chart-generated TLS material (certManager.enabled=false), as a dict {ca, cert, key} of PEM
strings. The Secret of an earlier release is reused when it is complete (so upgrades keep the CA the
API server trusts); otherwise a CA and a serving certificate are generated. The result is cached in
.Values so every template of one render (Secret, CRD, webhook configurations) sees the same CA.
*/}}
{{- define "stow.generatedTLS" -}}
{{- if not (hasKey .Values "__stowGeneratedTLS") }}
{{- $secretName := include "stow.tlsSecretName" . }}
{{- $service := include "stow.webhookServiceName" . }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace $secretName }}
{{- $tls := dict }}
{{- if and $existing $existing.data (hasKey $existing.data "ca.crt") (hasKey $existing.data "tls.crt") (hasKey $existing.data "tls.key") }}
{{- $tls = dict "ca" (index $existing.data "ca.crt" | b64dec) "cert" (index $existing.data "tls.crt" | b64dec) "key" (index $existing.data "tls.key" | b64dec) }}
{{- else }}
{{- $days := int .Values.generatedCertificate.validityDays }}
{{- $ca := genCA (printf "%s-webhook-ca" (include "stow.fullname" .)) $days }}
{{- $dnsNames := list $service (printf "%s.%s" $service .Release.Namespace) (printf "%s.%s.svc" $service .Release.Namespace) (printf "%s.%s.svc.cluster.local" $service .Release.Namespace) }}
{{- $cert := genSignedCert (printf "%s.%s.svc" $service .Release.Namespace) nil $dnsNames $days $ca }}
{{- $tls = dict "ca" $ca.Cert "cert" $cert.Cert "key" $cert.Key }}
{{- end }}
{{- $_ := set .Values "__stowGeneratedTLS" $tls }}
{{- end }}
{{- toJson (get .Values "__stowGeneratedTLS") }}
{{- end }}

{{/* Base64 CA bundle for the webhook clientConfigs when cert-manager is off. */}}
{{- define "stow.caBundle" -}}
{{- (include "stow.generatedTLS" . | fromJson).ca | b64enc }}
{{- end }}

{{/*
The rules of the operator's Role/ClusterRole for the resources it manages (namespaced ones):
exactly the calls src/controller makes. PostgresDBs, PostgresDatabases and PostgresDBSnapshots:
informer list/watch, merge patches of the object (finalizer) and its status; PostgresDBSnapshots are
also created (the final snapshot of a PostgresDB deleted with deletionPolicy Snapshot).
finalizers/update lets it set blockOwnerDeletion on the owner
references of the Secrets and Services it creates (OwnerReferencesPermissionEnforcement). Secrets
and Services: informer list/watch, get, create, merge patch; never update or delete (garbage
collection deletes them through the owner references). Events: core/v1 create and patch (count).
*/}}
{{- define "stow.managedResourceRules" -}}
- apiGroups: ["stow.dev"]
  resources: ["postgresdbs", "postgresdatabases", "postgresdbsnapshots"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["stow.dev"]
  resources: ["postgresdbsnapshots"]
  verbs: ["create"]
- apiGroups: ["stow.dev"]
  resources: ["postgresdbs/status", "postgresdatabases/status", "postgresdbsnapshots/status"]
  verbs: ["get", "patch"]
- apiGroups: ["stow.dev"]
  resources: ["postgresdbs/finalizers", "postgresdatabases/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["secrets", "services"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/*
Node.js's heap limit in MiB: heapLimitMiB when set, else 75% of resources.limits.memory (Mi, Gi, M or
G); empty when neither is set (Node then sizes the heap from the machine). The rest of the container
is for what lives outside the heap: code, buffers, TLS.
*/}}
{{- define "stow.heapLimitMiB" -}}
{{- if .Values.heapLimitMiB -}}
{{- .Values.heapLimitMiB | int -}}
{{- else -}}
{{- $limit := toString (dig "limits" "memory" "" (.Values.resources | default dict)) -}}
{{- if $limit -}}
{{- $mib := 0.0 -}}
{{- if hasSuffix "Gi" $limit -}}{{- $mib = mulf (trimSuffix "Gi" $limit | float64) 1024 -}}
{{- else if hasSuffix "Mi" $limit -}}{{- $mib = trimSuffix "Mi" $limit | float64 -}}
{{- else if hasSuffix "G" $limit -}}{{- $mib = divf (mulf (trimSuffix "G" $limit | float64) 1000000000) 1048576 -}}
{{- else if hasSuffix "M" $limit -}}{{- $mib = divf (mulf (trimSuffix "M" $limit | float64) 1000000) 1048576 -}}
{{- else -}}{{- fail (printf "resources.limits.memory %q: use Mi, Gi, M or G, or set heapLimitMiB" $limit) -}}
{{- end -}}
{{- mulf $mib 0.75 | floor | int -}}
{{- end -}}
{{- end -}}
{{- end -}}
