{{/* The chart's name, or nameOverride. */}}
{{- define "tessera.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The prefix of every object's name: fullnameOverride, else the release name
(with the chart's name appended unless it already holds it). At most 52
characters, so that "<fullname>-controller", a Service's name, stays a DNS
label (63).
*/}}
{{- define "tessera.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "tessera.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* What selects a component's pods: never changes across upgrades. */}}
{{- define "tessera.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tessera.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Every object's labels; call with (dict "root" $ "component" "controller"). */}}
{{- define "tessera.labels" -}}
helm.sh/chart: {{ include "tessera.chart" .root }}
{{ include "tessera.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: tessera
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "tessera.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "tessera.controller.serviceAccountName" -}}
{{- if .Values.controller.serviceAccount.create -}}
{{- default (printf "%s-controller" (include "tessera.fullname" .)) .Values.controller.serviceAccount.name -}}
{{- else -}}
{{- required "controller.serviceAccount.name: required when controller.serviceAccount.create is false" .Values.controller.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tessera.agent.serviceAccountName" -}}
{{- if .Values.agent.serviceAccount.create -}}
{{- default (printf "%s-agent" (include "tessera.fullname" .)) .Values.agent.serviceAccount.name -}}
{{- else -}}
{{- required "agent.serviceAccount.name: required when agent.serviceAccount.create is false" .Values.agent.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the agents' bearer token under the key "token". */}}
{{- define "tessera.agentTokenSecretName" -}}
{{- default (printf "%s-agent-token" (include "tessera.fullname" .)) .Values.agent.existingSecret -}}
{{- end -}}

{{/*
Merges .src into .dst in place: maps key by key, anything else (lists, and
false, 0 or "", which sprig's mergeOverwrite would skip) replaced. An agent
configuration's engines are replaced whole: a pool's engines are those its
image has.
*/}}
{{- define "tessera.mergeInto" -}}
{{- $dst := .dst -}}
{{- range $key, $value := .src -}}
{{- if and (kindIs "map" $value) (kindIs "map" (index $dst $key)) (ne $key "engines") -}}
{{- include "tessera.mergeInto" (dict "dst" (index $dst $key) "src" $value) -}}
{{- else -}}
{{- $_ := set $dst $key $value -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The agent DaemonSets: one per entry of agent.pools, each merged over agent,
or a single one from agent itself. Returns a YAML list of {name, suffix,
values}.
*/}}
{{- define "tessera.agentPools" -}}
{{- $pools := list -}}
{{- if .Values.agent.pools -}}
{{- range .Values.agent.pools -}}
{{- $merged := omit (deepCopy $.Values.agent) "pools" -}}
{{- include "tessera.mergeInto" (dict "dst" $merged "src" (omit (deepCopy .) "name")) -}}
{{- $pools = append $pools (dict "name" .name "suffix" (printf "-%s" .name) "values" $merged) -}}
{{- end -}}
{{- else -}}
{{- $pools = append $pools (dict "name" "" "suffix" "" "values" (omit .Values.agent "pools")) -}}
{{- end -}}
{{- toYaml $pools -}}
{{- end -}}

{{/* Whether the cluster serves a Prometheus Operator kind, e.g. "ServiceMonitor". */}}
{{- define "tessera.hasMonitoringKind" -}}
{{- if .root.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" .kind) -}}true{{- end -}}
{{- end -}}
