/** A stage's stored log (GET), followed by the live `artifact.log` lines; or the running app's. */
import { useCallback, useEffect, useRef, useState } from "react";
import { artifactsApi, type LogLine, type RuntimeLogs, type StageName } from "../../api/artifacts";
import { ErrorNotice } from "./common";

const NO_LINES: LogLine[] = [];

export function StageLogs({ artifactId, revision, stage, lines, onLoaded }: {
  artifactId: number; revision: number; stage: StageName; lines: LogLine[] | undefined; onLoaded(lines: LogLine[]): void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    artifactsApi.logs(artifactId, { stage, revision }).then((page) => live && onLoaded(page.lines)).catch((e) => live && setError(e));
    return () => { live = false; };
  }, [artifactId, revision, stage, onLoaded]);
  const shown = lines ?? NO_LINES;
  useEffect(() => { if (follow && box.current) box.current.scrollTop = box.current.scrollHeight; }, [shown, follow]);
  return (
    <div className="stage-logs">
      <div className="row-actions">
        <span className="muted small">{stage} log of revision {revision} · {shown.length} lines</span>
        <label className="check"><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow</label>
      </div>
      <ErrorNotice error={error} />
      <pre ref={box} className="log-box" data-testid="stage-log" aria-label={`${stage} log`} tabIndex={0}>
        {shown.length ? shown.map((line) => line.line).join("\n") : "No log lines yet."}
      </pre>
    </div>
  );
}

export function RuntimeLogView({ artifactId }: { artifactId: number }) {
  const [logs, setLogs] = useState<RuntimeLogs | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    artifactsApi.runtimeLogs(artifactId).then(setLogs).catch(setError);
  }, [artifactId]);
  useEffect(load, [load]);
  return (
    <div className="stage-logs">
      <div className="row-actions"><span className="muted small">The running app's pods</span><button type="button" onClick={load}>Refresh</button></div>
      <ErrorNotice error={error} />
      {logs && logs.pods.length === 0 && <p className="muted">No pods are running.</p>}
      {logs?.pods.map((pod) => (
        <div key={pod.pod}>
          <p className="small"><code>{pod.pod}</code> <span className="muted">revision {pod.revision ?? "?"}</span></p>
          <pre className="log-box" data-testid="runtime-log">{pod.lines.join("\n") || "No output yet."}</pre>
        </div>
      ))}
    </div>
  );
}
