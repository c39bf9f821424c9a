from deployments.models.artifacts import Artifact as Artifact
from deployments.models.artifacts import ArtifactLog as ArtifactLog
from deployments.models.artifacts import ArtifactRevision as ArtifactRevision
from deployments.models.artifacts import ArtifactStage as ArtifactStage
from deployments.models.audit import ExecSession
from deployments.models.events import Event
from deployments.models.records import Attempt as Attempt
from deployments.models.records import Deployment as Deployment
from deployments.models.runs import NodeState, Run, RunLog, RunStatus, TriggeredBy
from deployments.models.watchers import WatcherLease as WatcherLease

__all__ = ["Event", "ExecSession", "NodeState", "Run", "RunLog", "RunStatus", "TriggeredBy"]
