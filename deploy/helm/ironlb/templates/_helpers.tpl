{{/* Names are fixed (ironlb-controller, ironlb:speaker, ...): one ironlb per cluster, and
the same names as `kubectl apply -k deploy/`, so switching between the two keeps RBAC,
Leases and the heartbeat Secret. */}}

{{- define "ironlb.labels" -}}
app.kubernetes.io/name: ironlb
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "ironlb.selector" -}}
app.kubernetes.io/name: ironlb
app.kubernetes.io/component: {{ . }}
{{- end -}}

{{- define "ironlb.image" -}}
{{- $img := index .root.Values.image .component -}}
{{ $img.repository }}:{{ $img.tag | default .root.Chart.AppVersion }}
{{- end -}}

{{- define "ironlb.logLevel" -}}
{{- $l := .Values.logLevel -}}
{{- if not (has $l (list "trace" "debug" "info" "warn" "error")) -}}
{{- fail (printf "logLevel: %q is not one of trace, debug, info, warn, error" $l) -}}
{{- end -}}
{{ $l }}
{{- end -}}
