{{/* The restart-only part of injector.yaml (its checksum rolls the Deployment when it changes). */}}
{{- define "ferry.injectorServerConfig" -}}
listen: { host: 0.0.0.0, port: 8443 }
admin: { enabled: true, host: 0.0.0.0, port: 8080 }
tls: { certFile: /etc/ferry-injector/tls/tls.crt, keyFile: /etc/ferry-injector/tls/tls.key }
log: { level: {{ .Values.injector.logLevel }} }
shutdown: { delayMs: {{ mul .Values.injector.shutdownDelaySeconds 1000 }}, drainTimeoutMs: 10000 }
{{- end -}}

{{- define "ferry.injectorConfig" -}}
{{ include "ferry.injectorServerConfig" . }}
namespace: {{ .Release.Namespace }}
sidecar:
  image: {{ include "ferry.sidecarImage" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  mode: {{ include "ferry.sidecarMode" . }}
  port: {{ .Values.sidecar.port }}
  adminPort: {{ .Values.sidecar.adminPort }}
  logLevel: {{ .Values.sidecar.logLevel }}
  cpuRequest: {{ .Values.sidecar.cpuRequest | quote }}
  cpuLimit: {{ .Values.sidecar.cpuLimit | quote }}
  memoryRequest: {{ .Values.sidecar.memoryRequest | quote }}
  memoryLimit: {{ .Values.sidecar.memoryLimit | quote }}
  gracefulShutdownSeconds: {{ .Values.sidecar.gracefulShutdownSeconds }}
  console: {{ .Values.sidecar.console }}
  runAsUser: {{ .Values.sidecar.runAsUser }}
  env: {{ .Values.sidecar.env | toJson }}
{{- end -}}
