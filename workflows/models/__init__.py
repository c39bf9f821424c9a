from workflows.models.clusters import Cluster, ConnectionKind
from workflows.models.teams import Membership, Role, Team
from workflows.models.workflow import Workflow, WorkflowStatus
from workflows.models.versions import VersionSource, WorkflowVersion

__all__ = [
    "Cluster",
    "ConnectionKind",
    "Membership",
    "Role",
    "Team",
    "VersionSource",
    "Workflow",
    "WorkflowStatus",
    "WorkflowVersion",
]
