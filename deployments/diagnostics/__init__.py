"""Diagnostics of one canvas node: checks that explain its health with evidence, and fixes.

    diagnose(workflow, node_id) -> Report
    apply_fix(actor, workflow, node_id, fix_id) -> (Workflow, applied)

Each check family is a module of short functions registered per node kind (``registry``);
``fixes`` applies a fix's patch to a graph (pure). A fix only ever edits the saved graph
(a node's data or an edge) through ``save_graph``: the user re-runs to apply it.
"""

from deployments.diagnostics.diagnose import apply_fix, diagnose
from deployments.diagnostics.model import Check, Fix, PatchOp, Report

__all__ = ["Check", "Fix", "PatchOp", "Report", "apply_fix", "diagnose"]
