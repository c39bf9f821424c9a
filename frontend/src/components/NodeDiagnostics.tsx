/** Diagnostics of a node with one-click fixes (the fix edits and saves the workflow server-side). */
import { useCallback, useEffect, useState } from "react";
import { ApiError, errorMessage } from "../api/client";
import { api } from "../api/endpoints";
import type { DiagnosticCheck, DiagnosticsReport, Workflow } from "../api/types";
import { useWorkflowStore } from "../store/context";
import { HEALTH_LABEL, healthClass } from "./health";
import { Notice } from "./Notice";

const ORDER: Record<DiagnosticCheck["status"], number> = { error: 0, warn: 1, pass: 2 };

function evidenceText(evidence: unknown): string {
  return typeof evidence === "string" ? evidence : JSON.stringify(evidence, null, 2);
}

export function NodeDiagnostics({ workflowId, nodeId, onFixed }: { workflowId: number; nodeId: string; onFixed(workflow: Workflow): void }) {
  const store = useWorkflowStore();
  const [report, setReport] = useState<DiagnosticsReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fixError, setFixError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(() => {
    let live = true;
    setError(null);
    setLoading(true);
    api.diagnostics(workflowId, nodeId)
      .then((result) => { if (live) setReport(result); })
      .catch((e) => { if (live) setError(errorMessage(e)); })
      .finally(() => { if (live) setLoading(false); });
    return () => { live = false; };
  }, [workflowId, nodeId]);
  useEffect(load, [load]);

  const applyFix = async (fixId: string) => {
    setBusy(fixId);
    setFixError(null);
    try {
      // The fix patches the saved graph and refuses a stale one: save local edits first.
      await store.getState().flush();
      const result = await api.applyFix(workflowId, nodeId, fixId);
      onFixed(result.workflow);
      load();
    } catch (e) {
      const stale = e instanceof ApiError && (e.code === "stale_fix" || e.code === "fix_not_available");
      setFixError(stale ? `${errorMessage(e)} The checks were re-run.` : `Fix failed: ${errorMessage(e)}`);
      if (stale) load();
    } finally {
      setBusy(null);
    }
  };

  if (error) return <Notice kind="error">Diagnostics unavailable: {error} <button type="button" className="link-button" onClick={load}>Retry</button></Notice>;
  if (!report) return <p className="muted">Running checks…</p>;
  const checks = [...report.checks].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const problems = checks.filter((check) => check.status !== "pass").length;
  return (
    <section className="diagnostics" aria-label="Diagnostics">
      <header className="diag-head">
        <span className={healthClass(report.health.status)}><span className="health-dot" aria-hidden="true" /> {HEALTH_LABEL[report.health.status] ?? report.health.status}</span>
        {report.health.message && <span className="muted small"> — {report.health.message}</span>}
        <button type="button" onClick={load} disabled={loading}>{loading ? "Checking…" : "Re-run checks"}</button>
      </header>
      <p className="muted small">{checks.length} checks, {problems === 0 ? "no problems" : `${problems} need attention`}.</p>
      {fixError && <Notice kind="error">{fixError}</Notice>}
      <ul className="check-list">
        {checks.map((check) => (
          <li key={check.id} className={`diag-check check-${check.status}`} data-check={check.id}>
            <div><strong className="check-status">{check.status.toUpperCase()}</strong> {check.message}</div>
            {check.evidence !== undefined && check.evidence !== null && check.status !== "pass" && (
              <details><summary>Evidence</summary><pre className="evidence">{evidenceText(check.evidence)}</pre></details>
            )}
            {check.fix && (
              <button type="button" className="primary" disabled={busy !== null} onClick={() => void applyFix(check.fix!.id)}>
                {busy === check.fix.id ? "Applying…" : `Apply fix: ${check.fix.description}`}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
