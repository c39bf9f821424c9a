"""Artifacts in and out of the API. Status fields are read-only (the pipeline owns them);
secret values are write-only and only ever shown masked here."""

import base64
import binascii
import json
import re
from typing import Any

from rest_framework import serializers

from deployments.artifacts import source
from deployments.models.artifacts import (
    Artifact,
    ArtifactRevision,
    ArtifactStage,
    ArtifactStatus,
    Stage,
)
from workflows.models import Cluster
from workflows.permissions import scoped

NAME = re.compile(r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _json_field(value: Any, field: str) -> Any:
    """Multipart uploads send structured options as JSON strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise serializers.ValidationError({field: "not valid JSON"}) from None
    return value


class EnvField(serializers.DictField):
    def to_internal_value(self, data: Any) -> dict[str, str]:
        data = super().to_internal_value(_json_field(data, self.field_name or "env"))
        for key, value in data.items():
            if not ENV_NAME.match(str(key)):
                raise serializers.ValidationError(f"{key!r} is not a valid variable name")
            if not isinstance(value, str | int | float | bool):
                raise serializers.ValidationError(f"{key}: values must be strings")
        return {str(k): str(v) for k, v in data.items()}


class SecretRefSerializer(serializers.Serializer):
    env = serializers.RegexField(ENV_NAME)
    secret = serializers.RegexField(DNS_SUBDOMAIN, max_length=253)
    key = serializers.RegexField(r"^[-._a-zA-Z0-9]{1,253}$")


class OptionsSerializer(serializers.Serializer):
    """What deploy and update share: the files (a map or a tar upload) and the options."""

    files = serializers.DictField(child=serializers.CharField(allow_blank=True,
                                                              trim_whitespace=False),
                                  required=False, help_text="{relative path: content}")
    files_encoding = serializers.ChoiceField(["utf-8", "base64"], default="utf-8")
    archive = serializers.FileField(required=False, help_text="a tar or tar.gz of the source")
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False)
    env = EnvField(required=False)
    secrets = EnvField(required=False, help_text="write-only; stored encrypted")
    secret_refs = SecretRefSerializer(many=True, required=False)

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "getlist"):  # multipart: decode JSON-valued fields
            data = {k: (_json_field(v, k) if k in ("files", "secret_refs") else v)
                    for k, v in data.items()}
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "files" in attrs and "archive" in attrs:
            raise serializers.ValidationError({"archive": "send files or an archive, not both"})
        if "files" in attrs:
            attrs["files"] = _decode_files(attrs["files"], attrs.get("files_encoding", "utf-8"))
        elif "archive" in attrs:
            attrs["files"] = source.files_from_tar(attrs.pop("archive").read())
        return attrs


def _decode_files(files: dict[str, str], encoding: str) -> source.Files:
    decoded = {}
    for path, content in files.items():
        if encoding == "base64":
            try:
                decoded[path] = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                raise serializers.ValidationError(
                    {f"files.{path}": "not valid base64"}) from None
        else:
            decoded[path] = content.encode()
    return decoded


class VisibleClusterField(serializers.PrimaryKeyRelatedField):
    """A cluster of one of the requester's teams (others do not exist, as far as they know)."""

    def get_queryset(self) -> Any:
        return scoped(Cluster.objects.all(), self.context["request"].user)


class DeploySerializer(OptionsSerializer):
    name = serializers.RegexField(
        NAME, max_length=40,
        error_messages={"invalid": "lowercase letters, digits and '-', starting with a letter"})
    cluster = VisibleClusterField(required=False)
    namespace = serializers.RegexField(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", required=False)
    host = serializers.RegexField(DNS_SUBDOMAIN, max_length=253, required=False,
                                  allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "files" not in attrs:
            raise serializers.ValidationError({"files": "send files (a map) or an archive"})
        if "cluster" not in attrs:
            clusters = list(scoped(Cluster.objects.all(), self.context["request"].user)[:2])
            if len(clusters) != 1:
                raise serializers.ValidationError(
                    {"cluster": "required: you can deploy to "
                                f"{'no' if not clusters else 'several'} clusters"})
            attrs["cluster"] = clusters[0]
        return attrs


class RollbackSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=1)


class ListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField([s for s in ArtifactStatus.values if s != "deleted"],
                                     required=False)
    cursor = serializers.IntegerField(min_value=1, required=False,
                                      help_text="the `next` of the previous page")
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)


class LogQuerySerializer(serializers.Serializer):
    stage = serializers.ChoiceField([*Stage.values, "runtime"], required=False)
    revision = serializers.IntegerField(min_value=1, required=False)
    after = serializers.IntegerField(min_value=0, default=0, help_text="log seq to start after")
    tail = serializers.IntegerField(min_value=1, max_value=5000, default=500)


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArtifactStage
        fields = ["name", "status", "progress", "message", "started_at", "ended_at"]
        read_only_fields = fields


def masked(values: dict[str, str]) -> dict[str, str]:
    return {key: "********" for key in values}


class RevisionSerializer(serializers.ModelSerializer):
    stages = serializers.SerializerMethodField()
    secrets = serializers.SerializerMethodField()

    class Meta:
        model = ArtifactRevision
        fields = ["number", "status", "reason", "language", "port", "env", "secrets",
                  "secret_refs", "source_digest", "image_ref", "url", "rollback_of", "error",
                  "created_at", "started_at", "finished_at", "stages"]
        read_only_fields = fields

    def get_stages(self, revision: ArtifactRevision) -> list[dict[str, Any]]:
        order = {name: i for i, name in enumerate(Stage.values)}
        stages = sorted(revision.stages.all(), key=lambda s: order[s.name])
        return list(StageSerializer(stages, many=True).data)

    def get_secrets(self, revision: ArtifactRevision) -> dict[str, str]:
        return masked(revision.secrets)


class ArtifactSerializer(serializers.ModelSerializer):
    cluster: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    events_url = serializers.SerializerMethodField()

    class Meta:
        model = Artifact
        fields = ["id", "name", "team", "owner", "cluster", "namespace", "host", "status",
                  "current_revision", "serving_revision", "url", "image_ref", "error",
                  "created_at", "updated_at", "events_url"]
        read_only_fields = fields

    def get_events_url(self, artifact: Artifact) -> str:
        return events_url(artifact)


class ArtifactDetailSerializer(ArtifactSerializer):
    revision = serializers.SerializerMethodField(help_text="the newest revision")

    class Meta(ArtifactSerializer.Meta):
        fields = [*ArtifactSerializer.Meta.fields, "revision"]
        read_only_fields = fields

    def get_revision(self, artifact: Artifact) -> dict[str, Any] | None:
        revision = artifact.revisions.filter(number=artifact.current_revision).first()
        return dict(RevisionSerializer(revision).data) if revision else None


class AcceptedSerializer(serializers.Serializer):
    artifact_id = serializers.IntegerField()
    revision = serializers.IntegerField()
    status = serializers.CharField()
    events_url = serializers.CharField()


def events_url(artifact: Artifact) -> str:
    """The durable, resumable stream of the user's teams; this artifact's events carry the
    topic `artifact:<id>`."""
    return "/api/events"
