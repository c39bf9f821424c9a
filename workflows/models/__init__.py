from workflows.models.clusters import Cluster, ConnectionKind
from workflows.models.environments import CredentialAccess, Environment
from workflows.models.teams import Membership, Role, Team
from workflows.models.versions import VersionSource, WorkflowVersion
from workflows.models.workflow import Workflow, WorkflowStatus

__all__ = [
    "Cluster",
    "ConnectionKind",
    "CredentialAccess",
    "Environment",
    "Membership",
    "Role",
    "Team",
    "VersionSource",
    "Workflow",
    "WorkflowStatus",
    "WorkflowVersion",
]
