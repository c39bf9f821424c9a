/** The artifacts list: live status badges, a status filter, keyset "load more", deploy new source. */
import { useCallback, useEffect, useRef, useState } from "react";
import { useStore } from "zustand";
import { ARTIFACT_STATUSES, artifactsApi } from "../api/artifacts";
import { ApiError } from "../api/client";
import { createArtifactListStore } from "../artifacts/store";
import { ErrorNotice, LiveIndicator, StatusBadge, ago } from "../components/artifacts/common";
import { SourceForm } from "../components/artifacts/SourceForm";
import { TopBar } from "../components/TopBar";
import { connectArtifactEvents } from "../live/artifactEvents";
import type { LiveState } from "../live/events";

const PAGE_SIZE = 50;

export function ArtifactsPage() {
  const [store] = useState(createArtifactListStore);
  const list = useStore(store, (state) => state.list);
  const loaded = useStore(store, (state) => state.loaded);
  const [filter, setFilter] = useState(() => new URLSearchParams(window.location.search).get("status") ?? "");
  const [live, setLive] = useState<{ state: LiveState; detail?: string | undefined }>({ state: "connecting" });
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const filterRef = useRef(filter);
  filterRef.current = filter;

  const loadFirst = useCallback(() => {
    const mark = store.getState().mark();
    const status = filterRef.current;
    artifactsApi.list({ status: status || undefined, limit: PAGE_SIZE })
      .then((page) => { if (filterRef.current === status) store.getState().pageLoaded(page, false, mark); setError(null); })
      .catch(setError);
  }, [store]);

  useEffect(loadFirst, [loadFirst, filter]);

  useEffect(() => {
    const stream = connectArtifactEvents({
      onEvent: (event) => store.getState().receive(event),
      onState: (state, detail) => setLive({ state, detail }),
      onOpen: loadFirst, // the stream's start: anything before it is in this GET
    });
    return () => stream.close();
  }, [store, loadFirst]);

  // Artifacts created elsewhere announce themselves in events: fetch their rows.
  useEffect(() => {
    for (const id of list.unknown) {
      const mark = store.getState().mark();
      artifactsApi.get(id).then((artifact) => {
        if (filterRef.current && artifact.status !== filterRef.current) store.getState().artifactGone(id);
        else store.getState().artifactLoaded(artifact, mark);
      }).catch((e) => {
        store.getState().artifactGone(id);
        if (!(e instanceof ApiError && e.status === 404)) setError(e);
      });
    }
  }, [list.unknown, store]);

  const loadMore = async () => {
    if (list.next === null) return;
    setLoadingMore(true);
    const mark = store.getState().mark();
    try {
      store.getState().pageLoaded(await artifactsApi.list({ status: filter || undefined, cursor: list.next, limit: PAGE_SIZE }), true, mark);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  const changeFilter = (status: string) => {
    setFilter(status);
    const url = new URL(window.location.href);
    if (status) url.searchParams.set("status", status); else url.searchParams.delete("status");
    window.history.replaceState(null, "", url);
  };

  return (
    <>
      <TopBar><h1 className="workflow-name">Artifacts</h1><LiveIndicator state={live.state} detail={live.detail} /></TopBar>
      <main className="page">
        <div className="page-actions">
          <button type="button" className="primary" onClick={() => setCreating(true)}>New artifact</button>
          <label className="inline-label">Status
            <select aria-label="Filter by status" value={filter} onChange={(e) => changeFilter(e.target.value)}>
              <option value="">All</option>
              {ARTIFACT_STATUSES.map((status) => <option key={status} value={status}>{status}</option>)}
            </select>
          </label>
        </div>
        {creating && <SourceForm onCancel={() => setCreating(false)} onDone={(accepted) => { window.location.href = `/artifacts/${accepted.artifact_id}/`; }} />}
        <ErrorNotice error={error} />
        {!loaded ? <p className="muted">Loading…</p> : list.items.length === 0 ? (
          <p className="muted">{filter ? `No ${filter} artifacts.` : "No artifacts yet. Deploy source files to get a running app."}</p>
        ) : (
          <table className="table artifacts" aria-label="Artifacts">
            <thead><tr><th>Name</th><th>Status</th><th>Revision</th><th>URL</th><th>Namespace</th><th>Owner</th><th>Updated</th></tr></thead>
            <tbody>
              {list.items.map((artifact) => (
                <tr key={artifact.id} data-testid={`artifact-row-${artifact.name}`}>
                  <td><a href={`/artifacts/${artifact.id}/`}>{artifact.name}</a></td>
                  <td>
                    <StatusBadge status={artifact.status} label={`${artifact.name} is ${artifact.status}`} />
                    {artifact.status === "failed" && artifact.error && "reason" in artifact.error && (
                      <div className="muted small">{String(artifact.error.stage ?? "")}: {String(artifact.error.reason ?? "")}</div>
                    )}
                  </td>
                  <td>#{artifact.current_revision}{artifact.serving_revision && artifact.serving_revision !== artifact.current_revision
                    ? <span className="muted small"> (serving #{artifact.serving_revision})</span> : null}</td>
                  <td>{artifact.url && artifact.serving_revision ? <a href={artifact.url} target="_blank" rel="noreferrer">{artifact.url}</a> : <span className="muted">—</span>}</td>
                  <td>{artifact.namespace}</td>
                  <td className="muted small">{artifact.owner ?? ""}</td>
                  <td className="muted small">{ago(artifact.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {list.next !== null && (
          <div className="pager"><button type="button" onClick={() => void loadMore()} disabled={loadingMore}>{loadingMore ? "Loading…" : "Load more"}</button></div>
        )}
      </main>
    </>
  );
}
