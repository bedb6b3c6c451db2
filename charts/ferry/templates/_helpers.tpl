{{/* Names, labels and the values several templates share. */}}

{{- define "ferry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ferry.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "ferry.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "ferry.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ferry.injectorName" -}}
{{- printf "%s-injector" (include "ferry.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ferry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ferry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: injector
{{- end -}}

{{- define "ferry.commonLabels" -}}
app.kubernetes.io/name: {{ include "ferry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The injector's objects. */}}
{{- define "ferry.labels" -}}
{{ include "ferry.commonLabels" . }}
app.kubernetes.io/component: injector
{{- end -}}

{{- define "ferry.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "ferry.sidecarImage" -}}
{{- printf "%s:%s" (default .Values.image.repository .Values.sidecar.image.repository) (default (default .Chart.AppVersion .Values.image.tag) .Values.sidecar.image.tag) -}}
{{- end -}}

{{/* native on Kubernetes >= 1.29 (SidecarContainers on by default), classic before; or what sidecar.mode says */}}
{{- define "ferry.sidecarMode" -}}
{{- if eq .Values.sidecar.mode "auto" -}}
{{- semverCompare ">=1.29-0" .Capabilities.KubeVersion.Version | ternary "native" "classic" -}}
{{- else -}}
{{- .Values.sidecar.mode -}}
{{- end -}}
{{- end -}}

{{- define "ferry.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "ferry.injectorName" .)) .Values.tls.secretName -}}
{{- end -}}

{{/* The injector Service's DNS names, the serving certificate's subject alternative names. */}}
{{- define "ferry.serviceDnsNames" -}}
{{- $svc := include "ferry.injectorName" . -}}
{{- $ns := .Release.Namespace -}}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns .Values.clusterDomain) | toJson -}}
{{- end -}}

{{/*
The serving certificate and its CA for tls.mode=generate, made once by helm and kept across upgrades: the
Secret already in the cluster is reused (lookup), so the webhook's caBundle does not change under running pods.
Returns a dict with cert, key, ca (PEM); include it once per render (webhook.yaml) and share the result.
*/}}
{{- define "ferry.generatedTls" -}}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "ferry.tlsSecretName" .) -}}
{{- if and $secret $secret.data (index $secret.data "tls.crt") (index $secret.data "ca.crt") -}}
{{- dict "cert" (index $secret.data "tls.crt" | b64dec) "key" (index $secret.data "tls.key" | b64dec) "ca" (index $secret.data "ca.crt" | b64dec) | toJson -}}
{{- else -}}
{{- $ca := genCA (printf "%s-ca" (include "ferry.injectorName" .)) (int .Values.tls.validityDays) -}}
{{- $names := include "ferry.serviceDnsNames" . | fromJsonArray -}}
{{- $cert := genSignedCert (include "ferry.injectorName" .) .Values.tls.ipAddresses $names (int .Values.tls.validityDays) $ca -}}
{{- dict "cert" $cert.Cert "key" $cert.Key "ca" $ca.Cert | toJson -}}
{{- end -}}
{{- end -}}
