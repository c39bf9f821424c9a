/** fetch → build → push → deploy: each stage's status, duration, message and progress. */
import { useEffect, useState } from "react";
import { STAGE_NAMES, type Revision, type StageName } from "../../api/artifacts";
import { durationMs, formatDuration, pipelineProgress } from "../../artifacts/reducers";
import { StatusBadge } from "./common";

/** Revisions that will not run any further stage. */
const ENDED = new Set(["failed", "cancelled", "retired"]);

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

export function StageTimeline({ revision, selected, onSelect }: { revision: Revision; selected: string; onSelect(stage: StageName): void }) {
  const running = revision.stages.some((stage) => stage.status === "running");
  const now = useNow(running);
  const progress = pipelineProgress(revision);
  const byName = new Map(revision.stages.map((stage) => [stage.name, stage]));
  return (
    <section aria-label="Pipeline" className="pipeline">
      <div className="pipeline-progress">
        <div className="bar" role="progressbar" aria-label="Pipeline progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={progress}>
          <div className={`fill fill-${revision.status}`} style={{ width: `${progress}%` }} />
        </div>
        <span className="small">{progress}%</span>
      </div>
      <ol className="stages">
        {STAGE_NAMES.map((name) => {
          const stage = byName.get(name) ?? { name, status: "pending" as const, progress: 0, message: "", started_at: null, ended_at: null };
          return (
            <li key={name} className={`stage stage-${stage.status}${selected === name ? " selected" : ""}`} data-testid={`stage-${name}`} data-status={stage.status}>
              <button type="button" className="stage-button" aria-pressed={selected === name} aria-label={`${name} logs`} onClick={() => onSelect(name)}>
                <span className="stage-name">{name}</span>
                {stage.status === "pending" && ENDED.has(revision.status)
                  ? <span className="status art-status art-status-skipped" data-status="pending">not run</span>
                  : <StatusBadge status={stage.status} label={`${name} ${stage.status}`} />}
                <span className="muted small">{formatDuration(durationMs(stage, now))}</span>
              </button>
              {stage.status === "running" && (
                <div className="bar small-bar" role="progressbar" aria-label={`${name} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={stage.progress}>
                  <div className="fill" style={{ width: `${stage.progress}%` }} />
                </div>
              )}
              {stage.message && <p className="stage-message small">{stage.message}</p>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
