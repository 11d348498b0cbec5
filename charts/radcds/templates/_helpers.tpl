{{/* Names and labels. */}}
{{- define "radcds.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "radcds.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The name of one component's objects: (dict "root" $ "name" "gateway"). */}}
{{- define "radcds.componentName" -}}
{{- printf "%s-%s" (include "radcds.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "radcds.selectorLabels" -}}
app.kubernetes.io/name: {{ include "radcds.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "radcds.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "radcds.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: radcds
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "radcds.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "radcds.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The five radcds services, in the order their objects are rendered. */}}
{{- define "radcds.services" -}}
[gateway, ingestion, inference, risk, report]
{{- end }}

{{/*
Who calls whom (design.md, "Services"): the NetworkPolicies let in and out only these
calls. `needs` are the infrastructure each service reaches.
*/}}
{{- define "radcds.callGraph" -}}
gateway:
  calls: [risk, report]
  needs: [postgresql, redis, keycloak, ehr]
ingestion:
  calls: [gateway, inference]
  needs: [postgresql, keycloak]
inference:
  calls: [ingestion, report, gateway, triton]
  needs: [redis, externalTriton]
risk:
  calls: []
  needs: []
report:
  calls: [risk, ingestion, gateway]
  needs: [postgresql, pacs]
triton:
  calls: []
  needs: [objectStorage]
{{- end }}

{{- define "radcds.image" -}}
{{- $registry := .component.image.registry | default .root.Values.image.registry }}
{{- $tag := .component.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- if $registry }}
{{- printf "%s/%s:%s" $registry .component.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .component.image.repository $tag }}
{{- end }}
{{- end }}

{{/* PostgreSQL: host, port, user, secret name and key; empty host when none is configured. */}}
{{- define "radcds.postgresql" -}}
{{- $v := .Values.postgresql }}
{{- if $v.enabled }}
host: {{ printf "%s-postgresql" .Release.Name }}
port: 5432
user: {{ $v.auth.username }}
secret: {{ $v.auth.existingSecret | default (printf "%s-postgresql" .Release.Name) }}
key: password
sslmode: disable
{{- else }}
host: {{ $v.external.host | quote }}
port: {{ $v.external.port }}
user: {{ $v.external.user }}
secret: {{ $v.external.existingSecret | quote }}
key: {{ $v.external.passwordKey }}
sslmode: {{ $v.external.sslmode }}
{{- end }}
{{- end }}

{{- define "radcds.redis" -}}
{{- $v := .Values.redis }}
{{- if $v.enabled }}
host: {{ printf "%s-redis-master" .Release.Name }}
port: 6379
db: 0
tls: false
secret: {{ $v.auth.existingSecret | default (printf "%s-redis" .Release.Name) }}
key: redis-password
{{- else }}
host: {{ $v.external.host | quote }}
port: {{ $v.external.port }}
db: {{ $v.external.db }}
tls: {{ $v.external.tls }}
secret: {{ $v.external.existingSecret | quote }}
key: {{ $v.external.passwordKey }}
{{- end }}
{{- end }}

{{/* Triton's gRPC address: the chart's Triton, else components.inference.tritonGrpcAddress. */}}
{{- define "radcds.tritonAddress" -}}
{{- $c := .Values.components }}
{{- if $c.inference.tritonGrpcAddress }}
{{- $c.inference.tritonGrpcAddress }}
{{- else if $c.triton.enabled }}
{{- printf "%s:%v" (include "radcds.componentName" (dict "root" . "name" "triton")) $c.triton.ports.grpc }}
{{- end }}
{{- end }}

{{/* The gateway's public URL: https://<ingress.host> with the Ingress, else empty (the URL
of each request). */}}
{{- define "radcds.publicBaseUrl" -}}
{{- if .root.Values.ingress.enabled }}
{{- printf "https://%s" .root.Values.ingress.host }}
{{- end }}
{{- end }}

{{/* The realm's URL: the issuer when set, else <Keycloak URL>/realms/<realm>. */}}
{{- define "radcds.realmUrl" -}}
{{- $kc := .Values.keycloak.external }}
{{- if $kc.issuer }}
{{- $kc.issuer }}
{{- else if (include "radcds.keycloakUrl" .) }}
{{- printf "%s/realms/%s" (include "radcds.keycloakUrl" . | trimSuffix "/") $kc.realm }}
{{- end }}
{{- end }}

{{- define "radcds.keycloakUrl" -}}
{{- if .Values.keycloak.enabled }}
{{- printf "http://%s-keycloak" .Release.Name }}
{{- else }}
{{- .Values.keycloak.external.url }}
{{- end }}
{{- end }}

{{/* Refuses configurations that cannot work; `production` refuses development defaults. */}}
{{- define "radcds.validate" -}}
{{- $pg := include "radcds.postgresql" . | fromYaml }}
{{- $redis := include "radcds.redis" . | fromYaml }}
{{- $c := .Values.components }}
{{- if and (or $c.inference.enabled $c.gateway.enabled) (not $redis.host) }}
{{- fail "inference and the gateway need Redis: set redis.external.host or redis.enabled" }}
{{- end }}
{{- if eq .Values.environment "production" }}
{{- if not $pg.host }}
{{- fail "environment=production needs PostgreSQL: set postgresql.external.host (and existingSecret) or postgresql.enabled; SQLite is for development only" }}
{{- end }}
{{- if not $pg.secret }}
{{- fail "environment=production needs postgresql.external.existingSecret: the database password comes from a Secret" }}
{{- end }}
{{- if not (include "radcds.keycloakUrl" .) }}
{{- fail "environment=production needs Keycloak: set keycloak.external.url or keycloak.enabled; the development issuer refuses production" }}
{{- end }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.tls.secretName) }}
{{- fail "ingress.enabled needs ingress.tls.secretName: the gateway's HTTP is served over TLS only" }}
{{- end }}
{{- if and $c.inference.enabled (not (include "radcds.tritonAddress" .)) }}
{{- fail "inference needs Triton: enable components.triton or set components.inference.tritonGrpcAddress" }}
{{- end }}
{{- with $c.triton }}
{{- if and .enabled (not .modelRepository.url) (not .persistence.enabled) (not .persistence.existingClaim) }}
{{- fail "components.triton needs a model repository: modelRepository.url (s3://, gs://), persistence.existingClaim or persistence.enabled" }}
{{- end }}
{{- end }}
{{- range $name, $comp := $c }}
{{- if and $comp.enabled $comp.persistence.enabled (has "ReadWriteOnce" $comp.persistence.accessModes) (ne $name "triton") (or (gt (int $comp.replicas) 1) $comp.autoscaling.enabled) }}
{{- fail (printf "components.%s: a ReadWriteOnce volume cannot serve more than one replica; use replicas: 1 without autoscaling, or a ReadWriteMany storage class" $name) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The environment of one radcds service: (dict "root" $ "name" "gateway" "component" ...). */}}
{{- define "radcds.env" -}}
{{- $root := .root }}
{{- $name := .name }}
{{- $comp := .component }}
{{- $c := $root.Values.components }}
- name: RADCDS_ENVIRONMENT
  value: {{ $root.Values.environment | quote }}
- name: RADCDS_LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
- name: RADCDS_BIND_HOST
  value: "0.0.0.0"
- name: RADCDS_DATA_DIR
  value: /data
- name: RADCDS_HEALTH_INTERVAL_S
  value: {{ $root.Values.healthIntervalSeconds | toString | quote }}
- name: RADCDS_SHUTDOWN_GRACE_S
  value: {{ $root.Values.shutdownGraceSeconds | toString | quote }}
{{- range $svc := include "radcds.services" $root | fromYamlArray }}
- name: {{ printf "RADCDS_%s_GRPC_ADDRESS" (upper $svc) }}
  value: {{ printf "%s:%v" (include "radcds.componentName" (dict "root" $root "name" $svc)) (index $c $svc).ports.grpc | quote }}
{{- end }}
{{- range $port, $number := $comp.ports }}
- name: {{ printf "RADCDS_%s_%s_PORT" (upper $name) (upper $port) }}
  value: {{ $number | toString | quote }}
{{- end }}
{{- if $root.Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $root.Values.otel.endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $root.Values.otel.protocol | quote }}
{{- end }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "radcds-%s" $name | quote }}
{{- with $root.Values.otel.resourceAttributes }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ . | quote }}
{{- end }}
{{- $databases := dict "gateway" (list "RADCDS_GATEWAY_DATABASE_URL" "gatewayDatabase" "gateway/fhir.sqlite") "ingestion" (list "RADCDS_INGESTION_INDEX_URL" "ingestionDatabase" "ingestion/index.sqlite3") "report" (list "RADCDS_REPORT_DATABASE_URL" "reportDatabase" "report/report.sqlite") }}
{{- if hasKey $databases $name }}
{{- $pg := include "radcds.postgresql" $root | fromYaml }}
{{- $urlVar := index $databases $name 0 }}
{{- if $pg.host }}
{{- $db := index $root.Values.postgresql.external (index $databases $name 1) }}
{{- if $root.Values.postgresql.enabled }}{{ $db = $root.Values.postgresql.auth.database }}{{ end }}
{{- if $pg.secret }}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $pg.secret }}
      key: {{ $pg.key }}
- name: {{ $urlVar }}
  value: {{ printf "postgresql+psycopg://%s:$(DATABASE_PASSWORD)@%s:%v/%s?sslmode=%s" $pg.user $pg.host $pg.port $db $pg.sslmode | quote }}
{{- else }}
- name: {{ $urlVar }}
  value: {{ printf "postgresql+psycopg://%s@%s:%v/%s?sslmode=%s" $pg.user $pg.host $pg.port $db $pg.sslmode | quote }}
{{- end }}
{{- else }}
- name: {{ $urlVar }}
  value: {{ printf "sqlite:////data/%s" (index $databases $name 2) | quote }}
{{- end }}
{{- end }}
{{- if has $name (list "gateway" "ingestion") }}
- name: RADCDS_KEYCLOAK_URL
  value: {{ include "radcds.keycloakUrl" $root | quote }}
- name: RADCDS_KEYCLOAK_REALM
  value: {{ $root.Values.keycloak.external.realm | quote }}
- name: RADCDS_KEYCLOAK_ISSUER
  value: {{ $root.Values.keycloak.external.issuer | quote }}
- name: RADCDS_GATEWAY_AUDIENCE
  value: {{ $root.Values.keycloak.audience | quote }}
{{- end }}
{{- if eq $name "ingestion" }}
- name: RADCDS_INGESTION_DICOMWEB_PUBLIC_URL
  value: {{ $comp.dicomwebPublicUrl | default (printf "http://%s:%v/dicomweb" (include "radcds.componentName" (dict "root" $root "name" $name)) $comp.ports.dicomweb) | quote }}
{{- end }}
{{- if eq $name "inference" }}
{{- include "radcds.redisEnv" (dict "root" $root "variable" "RADCDS_REDIS_URL") }}
- name: RADCDS_TRITON_GRPC_ADDRESS
  value: {{ include "radcds.tritonAddress" $root | quote }}
{{- end }}
{{- if eq $name "gateway" }}
{{- include "radcds.redisEnv" (dict "root" $root "variable" "RADCDS_REDIS_URL") }}
- name: RADCDS_CDS_PUBLIC_BASE_URL
  value: {{ $comp.cds.publicBaseUrl | default (include "radcds.publicBaseUrl" (dict "root" $root "component" $comp)) | quote }}
- name: RADCDS_CDS_TRUSTED_ISSUERS
  value: {{ $comp.cds.trustedIssuers | toJson | quote }}
- name: RADCDS_CDS_CORS_ORIGINS
  value: {{ $comp.cds.corsOrigins | toJson | quote }}
- name: RADCDS_WEB_AUTHORIZATION_SERVER
  value: {{ $comp.web.authorizationServer | default (include "radcds.realmUrl" $root) | quote }}
- name: RADCDS_WEB_CLIENT_ID
  value: {{ $comp.web.clientId | quote }}
- name: RADCDS_WEB_PUBLIC_BASE_URL
  value: {{ include "radcds.publicBaseUrl" (dict "root" $root "component" $comp) | quote }}
{{- end }}
{{- if eq $name "report" }}
- name: RADCDS_REPORT_PACS_DESTINATIONS
  value: {{ $comp.pacsDestinations | toJson | quote }}
{{- end }}
{{- range $key, $value := $comp.settings }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- with $comp.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Pod security context of a component, the chart's with the component's overrides. */}}
{{- define "radcds.podSecurityContext" -}}
{{- $ctx := deepCopy .root.Values.podSecurityContext }}
{{- with .component.securityContext }}{{ $ctx = mergeOverwrite $ctx (deepCopy .) }}{{ end }}
{{- toYaml $ctx }}
{{- end }}

{{/*
One egress rule towards a piece of infrastructure: (dict "root" $ "need" "redis" ...).
Renders `ports: []` when the need does not apply.
*/}}
{{- define "radcds.egressRule" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $np := $v.networkPolicy }}
{{- $peers := list }}
{{- $ports := list }}
{{- if eq .need "postgresql" }}
{{- $pg := include "radcds.postgresql" $root | fromYaml }}
{{- if $pg.host }}
{{- $ports = list $pg.port }}
{{- $peers = $np.peers.postgresql }}
{{- if $v.postgresql.enabled }}
{{- $peers = list (dict "podSelector" (dict "matchLabels" (dict "app.kubernetes.io/instance" $root.Release.Name "app.kubernetes.io/name" "postgresql"))) }}
{{- end }}
{{- end }}
{{- else if eq .need "redis" }}
{{- $r := include "radcds.redis" $root | fromYaml }}
{{- $ports = list $r.port }}
{{- $peers = $np.peers.redis }}
{{- if $v.redis.enabled }}
{{- $peers = list (dict "podSelector" (dict "matchLabels" (dict "app.kubernetes.io/instance" $root.Release.Name "app.kubernetes.io/name" "redis"))) }}
{{- end }}
{{- else if eq .need "keycloak" }}
{{- if $v.keycloak.enabled }}
{{- $ports = list 8080 }}
{{- $peers = list (dict "podSelector" (dict "matchLabels" (dict "app.kubernetes.io/instance" $root.Release.Name "app.kubernetes.io/name" "keycloak"))) }}
{{- else if $v.keycloak.external.url }}
{{- $u := urlParse $v.keycloak.external.url }}
{{- if contains ":" $u.host }}
{{- $ports = list (splitList ":" $u.host | last | int) }}
{{- else }}
{{- $ports = list (ternary 443 80 (eq $u.scheme "https")) }}
{{- end }}
{{- $peers = $np.peers.keycloak }}
{{- end }}
{{- else if eq .need "externalTriton" }}
{{- $address := $v.components.inference.tritonGrpcAddress }}
{{- if $address }}
{{- $ports = list (splitList ":" $address | last | int) }}
{{- $peers = $np.peers.triton }}
{{- end }}
{{- else if eq .need "ehr" }}
{{- $ports = list 443 }}
{{- $peers = $np.peers.ehr }}
{{- else if eq .need "pacs" }}
{{- $destinations := .component.pacsDestinations }}
{{- if or $np.pacsCidrs $destinations }}
{{- range $np.pacsPorts }}{{ $ports = append $ports (int .) }}{{ end }}
{{- range $destinations }}
{{- if .url }}
{{- $u := urlParse .url }}
{{- if contains ":" $u.host }}{{ $ports = append $ports (int (last (splitList ":" $u.host))) }}
{{- else if eq $u.scheme "https" }}{{ $ports = append $ports 443 }}
{{- else }}{{ $ports = append $ports 80 }}{{ end }}
{{- else }}{{ $ports = append $ports (int .port) }}{{ end }}
{{- end }}
{{- $ports = $ports | uniq }}
{{- range $np.pacsCidrs }}{{ $peers = append $peers (dict "ipBlock" (dict "cidr" .)) }}{{ end }}
{{- end }}
{{- else if eq .need "objectStorage" }}
{{- if .component.modelRepository.url }}
{{- $ports = list 443 }}
{{- $peers = $np.peers.objectStorage }}
{{- end }}
{{- end }}
{{- if $peers }}
to:
  {{- toYaml $peers | nindent 2 }}
{{- end }}
ports:
{{- range $ports }}
  - port: {{ . }}
    protocol: TCP
{{- else }} []
{{- end }}
{{- end }}

{{/* The Redis URL as `variable`, its password from the Secret: (dict "root" $ "variable" ...). */}}
{{- define "radcds.redisEnv" -}}
{{- $r := include "radcds.redis" .root | fromYaml }}
{{- $scheme := ternary "rediss" "redis" $r.tls }}
{{- if $r.secret }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $r.secret }}
      key: {{ $r.key }}
- name: {{ .variable }}
  value: {{ printf "%s://:$(REDIS_PASSWORD)@%s:%v/%v" $scheme $r.host $r.port $r.db | quote }}
{{- else }}
- name: {{ .variable }}
  value: {{ printf "%s://%s:%v/%v" $scheme $r.host $r.port $r.db | quote }}
{{- end }}
{{- end }}
