/** Runs of the workflow; open one to see its node states and logs. */
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { api } from "../api/endpoints";
import type { Page, Run, RunDetail } from "../api/types";
import { HEALTH_LABEL, healthClass } from "./health";
import { Notice } from "./Notice";

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function RunsPanel({ workflowId, refreshKey }: { workflowId: number; refreshKey: string }) {
  const [page, setPage] = useState(1);
  const [runs, setRuns] = useState<Page<Run> | null>(null);
  const [open, setOpen] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api.runs(workflowId, page).then(setRuns).catch((e) => setError(errorMessage(e)));
  }, [workflowId, page]);
  useEffect(load, [load, refreshKey]);

  if (open) {
    return (
      <section className="runs" aria-label={`Run ${open.id}`}>
        <button type="button" onClick={() => setOpen(null)}>← All runs</button>
        <h2>Run #{open.id} <span className={`status status-${open.status}`}>{open.status}</span></h2>
        <p className="muted small">version {open.version ?? "—"} · {open.triggered_by ?? "—"} · {formatDuration(open.duration_ms)}</p>
        {open.error && <Notice kind="error">{open.error}</Notice>}
        <h3>Node states</h3>
        <ul className="node-states">
          {open.node_states.length === 0 && <li className="muted">No node states recorded.</li>}
          {open.node_states.map((state) => (
            <li key={state.node_id} className={healthClass(state.health)}>
              <span className="health-dot" aria-hidden="true" /> {state.kind} <code>{state.node_id}</code>: {HEALTH_LABEL[state.health] ?? state.health}
              {state.message && <span className="muted"> — {state.message}</span>}
            </li>
          ))}
        </ul>
        <h3>Logs</h3>
        <pre className="log-box" tabIndex={0} aria-label="Run log">
          {open.logs.map((log) => `${log.ts} ${log.level.toUpperCase()} ${log.node_id ?? ""} ${log.message}`).join("\n") || "No log lines."}
        </pre>
      </section>
    );
  }
  return (
    <section className="runs" aria-label="Runs">
      <h2>Runs</h2>
      {error && <Notice kind="error">{error}</Notice>}
      {!runs ? <p className="muted">Loading…</p> : runs.results.length === 0 ? <p className="muted">No runs yet. Press Run to deploy.</p> : (
        <table className="table">
          <thead><tr><th>#</th><th>Status</th><th>Trigger</th><th>Duration</th><th>Version</th></tr></thead>
          <tbody>
            {runs.results.map((run) => (
              <tr key={run.id}>
                <td><button type="button" className="link-button" aria-label={`Open run ${run.id}`}
                  onClick={() => api.run(run.id).then(setOpen).catch((e) => setError(errorMessage(e)))}>#{run.id}</button></td>
                <td><span className={`status status-${run.status}`}>{run.status}</span></td>
                <td>{run.triggered_by ?? "—"}</td>
                <td>{formatDuration(run.duration_ms)}</td>
                <td>{run.version ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {runs && (runs.next || runs.previous) && (
        <div className="pager">
          <button type="button" disabled={!runs.previous} onClick={() => setPage(page - 1)}>Newer</button>
          <span>Page {page}</span>
          <button type="button" disabled={!runs.next} onClick={() => setPage(page + 1)}>Older</button>
        </div>
      )}
    </section>
  );
}
