/** Diagnostics of a node with one-click fixes (the fix edits and saves the workflow server-side). */
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { api } from "../api/endpoints";
import type { DiagnosticCheck, Workflow } from "../api/types";
import { Notice } from "./Notice";

export function NodeDiagnostics({ workflowId, nodeId, onFixed }: { workflowId: number; nodeId: string; onFixed(workflow: Workflow): void }) {
  const [checks, setChecks] = useState<DiagnosticCheck[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const load = useCallback(() => {
    setError(null);
    api.diagnostics(workflowId, nodeId).then((result) => setChecks(result.checks)).catch((e) => setError(errorMessage(e)));
  }, [workflowId, nodeId]);
  useEffect(load, [load]);

  if (error) return <Notice kind="error">Diagnostics unavailable: {error}</Notice>;
  if (!checks) return <p className="muted">Running checks…</p>;
  return (
    <div className="diagnostics">
      <button type="button" onClick={load}>Re-run checks</button>
      <ul>
        {checks.map((check) => (
          <li key={check.id} className={`check-${check.status}`}>
            <strong>{check.status.toUpperCase()}</strong> {check.message}
            {check.evidence !== undefined && <pre className="evidence">{typeof check.evidence === "string" ? check.evidence : JSON.stringify(check.evidence, null, 2)}</pre>}
            {check.fix && (
              <button type="button" disabled={busy !== null} aria-label={`Apply fix: ${check.fix.description}`}
                onClick={async () => {
                  setBusy(check.fix!.id);
                  try { onFixed(await api.applyFix(workflowId, nodeId, check.fix!.id)); load(); }
                  catch (e) { setError(errorMessage(e)); }
                  finally { setBusy(null); }
                }}>
                {busy === check.fix.id ? "Applying…" : `Apply fix: ${check.fix.description}`}
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
