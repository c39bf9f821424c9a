/** Version history: create, compare two as a visual diff on the canvas, restore with confirmation. */
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { api } from "../api/endpoints";
import type { Page, Version } from "../api/types";
import { diffSummary, diffToCanvas } from "../graph/diff";
import { useWorkflowStore } from "../store/context";
import { Notice } from "./Notice";

export function VersionsPanel({ workflowId, onRestored }: { workflowId: number; onRestored(): Promise<void> }) {
  const store = useWorkflowStore();
  const [page, setPage] = useState(1);
  const [versions, setVersions] = useState<Page<Version> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ name: "", tag: "", description: "" });
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(() => {
    api.versions(workflowId, page).then(setVersions).catch((e) => setError(errorMessage(e)));
  }, [workflowId, page]);
  useEffect(load, [load]);

  const create = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await store.getState().flush();
      const version = await api.createVersion(workflowId, form);
      setForm({ name: "", tag: "", description: "" });
      setMessage(`Created version ${version.number}.`);
      setPage(1);
      load();
    } catch (e) { setError(errorMessage(e)); }
  };

  const compare = async () => {
    if (from === null || to === null) return;
    setError(null);
    try {
      const [older, newer] = from < to ? [from, to] : [to, from];
      const [result, detail] = await Promise.all([api.compareVersions(workflowId, older, newer), api.version(workflowId, newer)]);
      store.getState().setDiff({ ...diffToCanvas(detail, result), from: older, to: newer });
      setMessage(`v${older} → v${newer}: ${diffSummary(result)}`);
    } catch (e) { setError(errorMessage(e)); }
  };

  const restore = async (number: number) => {
    setConfirming(null);
    setError(null);
    try {
      await store.getState().flush();
      const version = await api.restoreVersion(workflowId, number);
      store.getState().setDiff(null);
      await onRestored();
      setMessage(`Restored version ${number} (saved as version ${version.number}).`);
      load();
    } catch (e) { setError(errorMessage(e)); }
  };

  return (
    <section className="versions" aria-label="Versions">
      <h2>Versions</h2>
      <form className="stack" onSubmit={create} aria-label="Create version">
        <label>Name <input value={form.name} required maxLength={200} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
        <label>Tag <input value={form.tag} maxLength={100} placeholder="e.g. v1.2" onChange={(e) => setForm({ ...form, tag: e.target.value })} /></label>
        <label>Description <textarea value={form.description} rows={2} onChange={(e) => setForm({ ...form, description: e.target.value })} /></label>
        <button type="submit">Create version</button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {message && <Notice>{message}</Notice>}
      <div className="compare-bar">
        <span>Compare <b>{from ?? "—"}</b> → <b>{to ?? "—"}</b></span>
        <button type="button" disabled={from === null || to === null || from === to} onClick={compare}>Compare</button>
      </div>
      {!versions ? <p className="muted">Loading…</p> : versions.results.length === 0 ? <p className="muted">No versions yet.</p> : (
        <ul className="version-list">
          {versions.results.map((version) => (
            <li key={version.number} data-version={version.number}>
              <div className="version-head">
                <strong>v{version.number}</strong> {version.name} {version.tag && <span className="tag">{version.tag}</span>}
                <span className={`source source-${version.source}`}>{version.source}{version.restored_from ? ` of v${version.restored_from}` : ""}</span>
              </div>
              <div className="muted small">{version.created_by ?? "someone"} · {new Date(version.created_at).toLocaleString()} · {version.node_count} nodes</div>
              {version.description && <p className="small">{version.description}</p>}
              <div className="row-actions">
                <label className="check"><input type="radio" name="compare-from" checked={from === version.number} onChange={() => setFrom(version.number)} aria-label={`Compare from version ${version.number}`} /> from</label>
                <label className="check"><input type="radio" name="compare-to" checked={to === version.number} onChange={() => setTo(version.number)} aria-label={`Compare to version ${version.number}`} /> to</label>
                {confirming === version.number ? (
                  <span role="group" aria-label={`Confirm restore of version ${version.number}`}>
                    Replace the canvas with v{version.number}?{" "}
                    <button type="button" className="danger" onClick={() => restore(version.number)}>Yes, restore</button>{" "}
                    <button type="button" onClick={() => setConfirming(null)}>Cancel</button>
                  </span>
                ) : (
                  <button type="button" onClick={() => setConfirming(version.number)} aria-label={`Restore version ${version.number}`}>Restore</button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {versions && (versions.next || versions.previous) && (
        <div className="pager">
          <button type="button" disabled={!versions.previous} onClick={() => setPage(page - 1)}>Newer</button>
          <span>Page {page}</span>
          <button type="button" disabled={!versions.next} onClick={() => setPage(page + 1)}>Older</button>
        </div>
      )}
    </section>
  );
}
