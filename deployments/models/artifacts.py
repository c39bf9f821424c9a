"""Artifacts: source files in, an image built in the cluster, deployed, a URL out.

An Artifact is what the user names and deploys; each deploy, update or rollback makes an
ArtifactRevision (numbers unique and gap-free per artifact). Both carry a django-fsm status; the
`@transition` declarations below are the transition table, and `deployments.artifacts.states`
is the only code that moves them (a compare-and-swap under the artifact's row lock), so a late
worker can never move either backwards. `Artifact.status` mirrors its newest revision;
`serving_revision` is the one whose pods answer at `url`. See docs/artifacts.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from workflows.fields import EncryptedJSONField
from workflows.models import Cluster, Team


class ArtifactStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    BUILDING = "building", "Building"
    BUILT = "built", "Built"
    DEPLOYING = "deploying", "Deploying"
    RUNNING = "running", "Running"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    DELETED = "deleted", "Deleted"


class RevisionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    BUILDING = "building", "Building"
    BUILT = "built", "Built"
    DEPLOYING = "deploying", "Deploying"
    RUNNING = "running", "Running"
    # Was running; a newer revision now serves.
    RETIRED = "retired", "Retired"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# A revision still in the pipeline (not deploying yet) can be superseded by a newer one.
SUPERSEDABLE = (RevisionStatus.PENDING, RevisionStatus.BUILDING, RevisionStatus.BUILT)
IN_FLIGHT = (*SUPERSEDABLE, RevisionStatus.DEPLOYING)
# Not deploying yet or deploying: these a user's cancel stops.
ARTIFACT_IN_FLIGHT = (
    ArtifactStatus.PENDING, ArtifactStatus.BUILDING, ArtifactStatus.BUILT, ArtifactStatus.DEPLOYING
)
ARTIFACT_SETTLED = (ArtifactStatus.RUNNING, ArtifactStatus.FAILED, ArtifactStatus.CANCELLED)


class Stage(models.TextChoices):
    FETCH = "fetch", "Fetch"
    BUILD = "build", "Build"
    PUSH = "push", "Push"
    DEPLOY = "deploy", "Deploy"


STAGE_ORDER = [s.value for s in Stage]


class StageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    # A rollback reuses an image: fetch, build and push do not run.
    SKIPPED = "skipped", "Skipped"


class Artifact(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="artifacts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    name = models.CharField(max_length=40)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="artifacts")
    namespace = models.CharField(max_length=63)
    host = models.CharField(max_length=253, blank=True, default="")
    status = FSMField(
        max_length=16, choices=ArtifactStatus.choices, default=ArtifactStatus.PENDING,
        protected=True,
    )
    # The newest revision's number; revisions are numbered 1, 2, 3... with no gaps.
    current_revision = models.PositiveIntegerField(default=0)
    serving_revision = models.PositiveIntegerField(null=True, blank=True)
    url = models.CharField(max_length=500, blank=True, default="")
    image_ref = models.CharField(max_length=500, blank=True, default="")
    # {stage, reason, details: [Kubernetes event/pod reasons]} of the newest revision's failure.
    error = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"], condition=~Q(status="deleted"),
                name="unique_live_artifact_name_per_team",
            )
        ]
        indexes = [models.Index(fields=["team", "-id"], name="artifact_team_recent")]

    def __str__(self) -> str:
        return f"artifact {self.pk} {self.name} ({self.status})"

    @property
    def target(self) -> str:
        """The deployment-record target this artifact deploys as."""
        return f"artifact:{self.pk}"

    @transition(field=status, source="*", target=ArtifactStatus.PENDING)
    def submit(self) -> None:
        """A new revision was submitted (deploy, update or rollback); it is now the newest."""

    @transition(field=status, source=ArtifactStatus.PENDING, target=ArtifactStatus.BUILDING)
    def build(self) -> None:
        """The newest revision's source is being fetched and built."""

    @transition(field=status, source=[ArtifactStatus.PENDING, ArtifactStatus.BUILDING],
                target=ArtifactStatus.BUILT)
    def built(self) -> None:
        """An image exists (pushed, or retained from an earlier revision for a rollback)."""

    @transition(field=status, source=ArtifactStatus.BUILT, target=ArtifactStatus.DEPLOYING)
    def deploy(self) -> None:
        """The image is being rolled out."""

    @transition(field=status, source=ArtifactStatus.DEPLOYING, target=ArtifactStatus.RUNNING)
    def run(self) -> None:
        """The rollout is available; `url` answers."""

    @transition(field=status, source=list(ARTIFACT_IN_FLIGHT), target=ArtifactStatus.FAILED)
    def fail(self) -> None:
        """A stage failed; `error` says which and why. The previous revision keeps serving."""

    @transition(field=status, source=list(ARTIFACT_IN_FLIGHT), target=ArtifactStatus.CANCELLED)
    def cancel(self) -> None:
        """Stopped by a user (a built revision waiting for the deploy lock can be cancelled)."""

    @transition(field=status, source="*", target=ArtifactStatus.DELETED)
    def delete_artifact(self) -> None:
        """Workload, stored source and record removed."""


class ArtifactRevision(models.Model):
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    status = FSMField(
        max_length=16, choices=RevisionStatus.choices, default=RevisionStatus.PENDING,
        protected=True,
    )
    # "superseded" (a newer revision came first), "user", "deleted", "worker lost"...
    reason = models.CharField(max_length=200, blank=True, default="")
    source_digest = models.CharField(max_length=71, blank=True, default="")
    language = models.CharField(max_length=16, blank=True, default="")
    port = models.PositiveIntegerField()
    env = models.JSONField(default=dict, blank=True)
    # Values never leave the server unmasked (see the credentials endpoint).
    secrets = EncryptedJSONField(blank=True, default=dict)
    # [{"env": "DB_PASSWORD", "secret": "db", "key": "password"}]: existing cluster Secrets.
    secret_refs = models.JSONField(default=list, blank=True)
    image_ref = models.CharField(max_length=500, blank=True, default="")
    url = models.CharField(max_length=500, blank=True, default="")
    rollback_of = models.PositiveIntegerField(null=True, blank=True)
    error = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The debounce: the pipeline does not start before this, so a burst of updates builds once.
    not_before = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A pending revision's wake-up lease: renewed each time it is re-enqueued to wait (debounce,
    # deploy lock); the reaper re-sends the wake-up when it expired. Once in the pipeline, the
    # worker's lease is the deployment record's attempt.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    deployment_record = models.ForeignKey(
        "deployments.Deployment", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["artifact_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["artifact", "number"], name="unique_revision_number"),
            # One revision of an artifact is running at a time.
            models.UniqueConstraint(
                fields=["artifact"], condition=Q(status="running"),
                name="one_running_revision_per_artifact",
            ),
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of artifact {self.artifact_id} ({self.status})"

    @transition(field=status, source=RevisionStatus.PENDING, target=RevisionStatus.BUILDING)
    def build(self) -> None:
        """Fetch, build and push started."""

    @transition(field=status, source=[RevisionStatus.PENDING, RevisionStatus.BUILDING],
                target=RevisionStatus.BUILT)
    def built(self) -> None:
        """The image is in the registry (or retained, for a rollback)."""

    @transition(field=status, source=RevisionStatus.BUILT, target=RevisionStatus.DEPLOYING)
    def deploy(self) -> None:
        """It holds the deploy lock and is rolling out."""

    @transition(field=status, source=RevisionStatus.DEPLOYING, target=RevisionStatus.RUNNING)
    def run(self) -> None:
        """Available; it now serves."""

    @transition(field=status, source=RevisionStatus.RUNNING, target=RevisionStatus.RETIRED)
    def retire(self) -> None:
        """A newer revision took over, or the artifact was deleted."""

    @transition(field=status, source=list(IN_FLIGHT), target=RevisionStatus.FAILED)
    def fail(self) -> None:
        """A stage failed."""

    @transition(field=status, source=list(IN_FLIGHT), target=RevisionStatus.CANCELLED)
    def cancel(self) -> None:
        """Superseded by a newer revision before deploying, or stopped by a user."""


class ArtifactStage(models.Model):
    """One pipeline stage of one revision: its own status, times, progress and log stream."""

    revision = models.ForeignKey(ArtifactRevision, on_delete=models.CASCADE,
                                 related_name="stages")
    name = models.CharField(max_length=8, choices=Stage.choices)
    status = models.CharField(max_length=10, choices=StageStatus.choices,
                              default=StageStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "name"], name="one_stage_per_revision")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"


class ArtifactLog(models.Model):
    """A log line of a stage, kept after the build Job is gone."""

    revision = models.ForeignKey(ArtifactRevision, on_delete=models.CASCADE,
                                 related_name="log_lines")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    seq = models.PositiveIntegerField()
    ts = models.DateTimeField(auto_now_add=True)
    line = models.TextField()

    class Meta:
        ordering = ["revision_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "seq"], name="unique_artifact_log_seq")
        ]

    def __str__(self) -> str:
        return f"[{self.stage}] {self.line[:60]}"
