/** One artifact: the newest revision's stage timeline and logs, its URL, error, versions with
 * rollback, cancel and delete, all kept current by the artifact's events on /api/events. */
import { useCallback, useEffect, useRef, useState } from "react";
import { useStore } from "zustand";
import { artifactsApi, type LogLine, type StageName } from "../api/artifacts";
import { ApiError } from "../api/client";
import { IN_FLIGHT, ROLLBACKABLE, focusStage, logKey } from "../artifacts/reducers";
import { createArtifactDetailStore } from "../artifacts/store";
import { ErrorNotice, Gone, LiveIndicator, StatusBadge, ago } from "../components/artifacts/common";
import { SourceForm } from "../components/artifacts/SourceForm";
import { RuntimeLogView, StageLogs } from "../components/artifacts/StageLogs";
import { StageTimeline } from "../components/artifacts/StageTimeline";
import { Notice } from "../components/Notice";
import { TopBar } from "../components/TopBar";
import { connectArtifactEvents } from "../live/artifactEvents";
import type { LiveState } from "../live/events";

type LogTab = StageName | "runtime";

export function ArtifactPage({ artifactId }: { artifactId: number }) {
  const [store] = useState(createArtifactDetailStore);
  const detail = useStore(store, (state) => state.detail);
  const artifact = detail.artifact;
  const revision = artifact?.revision ?? null;
  const [live, setLive] = useState<{ state: LiveState; detail?: string | undefined }>({ state: "connecting" });
  const [error, setError] = useState<unknown>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [tab, setTab] = useState<LogTab | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [updating, setUpdating] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);

  const [deleting, setDeleting] = useState(false);
  const deletingRef = useRef(false);
  deletingRef.current = deleting;
  const load = useCallback(() => {
    // A deleted artifact is a 404: nothing more to read.
    if (deletingRef.current || store.getState().detail.deleted) return;
    const mark = store.getState().mark();
    artifactsApi.get(artifactId).then((found) => { store.getState().artifactLoaded(found, mark); setLoadError(null); }).catch(setLoadError);
    artifactsApi.versions(artifactId).then((versions) => store.getState().versionsLoaded(versions, mark)).catch(setLoadError);
  }, [artifactId, store]);

  useEffect(() => {
    const stream = connectArtifactEvents({
      onEvent: (event) => store.getState().receive(event),
      onState: (state, why) => setLive({ state, detail: why }),
      onOpen: load,
    }, artifactId);
    return () => stream.close();
  }, [artifactId, store, load]);
  useEffect(load, [load]);

  // An event told of something only a GET can show (a new revision): read again, once per burst.
  useEffect(() => {
    if (detail.reload === 0) return;
    const timer = setTimeout(load, 150);
    return () => clearTimeout(timer);
  }, [detail.reload, load]);

  // The log tab follows the pipeline until the user picks one; a new revision resets it.
  const shownRevision = revision?.number ?? 0;
  useEffect(() => setTab(null), [shownRevision]);
  const activeTab: LogTab = tab ?? focusStage(revision);
  const onLogsLoaded = useCallback((lines: LogLine[]) => {
    if (activeTab !== "runtime") store.getState().logsLoaded(shownRevision, activeTab, lines);
  }, [store, shownRevision, activeTab]);

  const act = async (name: string, action: () => Promise<unknown>) => {
    setError(null);
    setBusy(name);
    try {
      await action();
      if (name === "delete") setDeleting(true);
      else load();
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && e.status === 404) setLoadError(e);
    } finally {
      setBusy(null);
    }
  };

  if (loadError && !artifact) return <><TopBar><h1 className="workflow-name">Artifact</h1></TopBar><main className="page"><ErrorNotice error={loadError} /></main></>;
  if (!artifact) return <><TopBar><h1 className="workflow-name">Artifact</h1></TopBar><main className="page"><p className="muted">Loading…</p></main></>;

  const inFlight = IN_FLIGHT.has(artifact.status) || (revision !== null && IN_FLIGHT.has(revision.status));
  const errorInfo = revision?.error && "reason" in revision.error ? revision.error : artifact.error && "reason" in artifact.error ? artifact.error : null;

  return (
    <>
      <TopBar>
        <h1 className="workflow-name"><a href="/artifacts/" className="crumb">Artifacts</a> / {artifact.name}</h1>
        <StatusBadge status={artifact.status} label={`status ${artifact.status}`} />
        <LiveIndicator state={live.state} detail={live.detail} />
      </TopBar>
      <main className="page artifact-page">
        {detail.deleted && <Gone name={artifact.name} />}
        {deleting && !detail.deleted && <Notice>Deleting {artifact.name}: removing its workload and stored source…</Notice>}
        <section className="artifact-summary" aria-label="Summary">
          <dl className="facts">
            <div><dt>Status</dt><dd><StatusBadge status={artifact.status} label={`artifact ${artifact.status}`} /></dd></div>
            {/* A failed or cancelled newer revision leaves the previous one serving: still a link. */}
            <div><dt>URL</dt><dd data-testid="artifact-url">{artifact.url && (artifact.status === "running" || artifact.serving_revision)
              ? <a href={artifact.url} target="_blank" rel="noreferrer">{artifact.url}</a>
              : artifact.url ? <span className="muted">{artifact.url} (not serving)</span> : <span className="muted">none yet</span>}</dd></div>
            <div><dt>Revision</dt><dd>#{artifact.current_revision}{artifact.serving_revision ? ` · serving #${artifact.serving_revision}` : ""}</dd></div>
            <div><dt>Where</dt><dd>cluster #{artifact.cluster} / {artifact.namespace}{artifact.host ? ` · ${artifact.host}` : ""}</dd></div>
            {artifact.image_ref && <div><dt>Image</dt><dd><code>{artifact.image_ref}</code></dd></div>}
            {revision?.language && <div><dt>Language</dt><dd>{revision.language} · port {revision.port}</dd></div>}
          </dl>
          <div className="row-actions">
            {inFlight && <button type="button" onClick={() => void act("cancel", () => artifactsApi.cancel(artifact.id))} disabled={busy !== null || detail.deleted || deleting}>Cancel</button>}
            <button type="button" onClick={() => setUpdating(true)} disabled={detail.deleted || deleting}>New revision</button>
            {confirmDelete ? (
              <>
                <button type="button" className="danger" onClick={() => { setConfirmDelete(false); void act("delete", () => artifactsApi.remove(artifact.id)); }}>Delete for good</button>
                <button type="button" onClick={() => setConfirmDelete(false)}>Keep</button>
              </>
            ) : <button type="button" className="danger" onClick={() => setConfirmDelete(true)} disabled={detail.deleted || deleting}>Delete</button>}
          </div>
        </section>
        <ErrorNotice error={error} />
        {updating && <SourceForm artifactId={artifact.id} onCancel={() => setUpdating(false)} onDone={() => { setUpdating(false); load(); }} />}

        {revision && (
          <section aria-label={`Revision ${revision.number}`} className="revision">
            <h2>Revision {revision.number} <StatusBadge status={revision.status} label={`revision ${revision.number} ${revision.status}`} />
              {revision.rollback_of && <span className="tag">rollback of #{revision.rollback_of}</span>}</h2>
            {revision.reason && <p className="muted small">{revision.reason}</p>}
            {errorInfo && (
              <div className="notice notice-error" role="alert" aria-label="Error">
                <strong>{String(errorInfo.stage ?? "pipeline")}</strong>: {String(errorInfo.reason ?? "failed")}
                {Array.isArray(errorInfo.details) && errorInfo.details.length > 0 && (
                  <ul className="error-list">{errorInfo.details.map((line, i) => <li key={i}>{String(line)}</li>)}</ul>
                )}
              </div>
            )}
            <StageTimeline revision={revision} selected={activeTab} onSelect={setTab} />
            <div className="tabs" role="tablist" aria-label="Logs">
              {(["fetch", "build", "push", "deploy", "runtime"] as const).map((name) => (
                <button key={name} type="button" role="tab" aria-selected={activeTab === name} onClick={() => setTab(name)}>{name === "runtime" ? "app" : name}</button>
              ))}
            </div>
            {activeTab === "runtime"
              ? <RuntimeLogView artifactId={artifact.id} />
              : <StageLogs artifactId={artifact.id} revision={revision.number} stage={activeTab}
                  lines={detail.logs[logKey(revision.number, activeTab)]} onLoaded={onLogsLoaded} />}
          </section>
        )}
        {!revision && <Notice>No revision yet.</Notice>}

        <section aria-label="Versions" className="versions">
          <h2>Versions</h2>
          {!detail.versions ? <p className="muted">Loading…</p> : (
            <table className="table">
              <thead><tr><th>#</th><th>Status</th><th>Reason</th><th>Image</th><th>Created</th><th><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {detail.versions.map((version) => (
                  <tr key={version.number} data-testid={`version-${version.number}`}>
                    <td>#{version.number}{version.rollback_of ? <span className="muted small"> ← #{version.rollback_of}</span> : null}</td>
                    <td><StatusBadge status={version.status} label={`version ${version.number} ${version.status}`} /></td>
                    <td className="small">{version.reason || (version.error && "reason" in version.error ? String(version.error.reason) : "")}</td>
                    <td className="small"><code>{version.image_ref}</code></td>
                    <td className="muted small">{ago(version.created_at)}</td>
                    <td>{ROLLBACKABLE.has(version.status) && version.number !== artifact.serving_revision && (
                      <button type="button" aria-label={`Roll back to revision ${version.number}`} disabled={busy !== null || detail.deleted}
                        onClick={() => void act("rollback", () => artifactsApi.rollback(artifact.id, version.number))}>Rollback</button>
                    )}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </main>
    </>
  );
}
