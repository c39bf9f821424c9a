/** Pod logs of a node over SSE, with pod and container pickers and follow. */
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "../api/client";
import { api, nodeLogsUrl } from "../api/endpoints";
import type { Pod } from "../api/types";
import { Notice } from "./Notice";

export function usePods(workflowId: number, nodeId: string) {
  const [pods, setPods] = useState<Pod[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    api.pods(workflowId, nodeId).then((found) => live && setPods(found)).catch((e) => live && setError(errorMessage(e)));
    return () => { live = false; };
  }, [workflowId, nodeId, generation]);
  const refresh = useCallback(() => setGeneration((n) => n + 1), []);
  return { pods, error, refresh };
}

/** The first ready pod (else the first), as the default choice. */
export function defaultPod(pods: Pod[]): Pod | undefined {
  return pods.find((pod) => pod.ready) ?? pods[0];
}

export function PodPicker({ pods, pod, container, onPod, onContainer, onRefresh }: {
  pods: Pod[]; pod: string; container: string; onPod(name: string): void; onContainer(name: string): void; onRefresh(): void;
}) {
  const containers = pods.find((candidate) => candidate.name === pod)?.containers ?? [];
  return (
    <div className="pickers">
      <label>Pod
        <select value={pod} onChange={(event) => onPod(event.target.value)} aria-label="Pod">
          {pods.map((candidate) => (
            <option key={candidate.name} value={candidate.name}>
              {candidate.name} ({candidate.phase}{candidate.ready ? ", ready" : ""}{candidate.restarts ? `, ${candidate.restarts} restarts` : ""})
            </option>
          ))}
        </select>
      </label>
      <label>Container
        <select value={container} onChange={(event) => onContainer(event.target.value)} aria-label="Container">
          {containers.map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      </label>
      <button type="button" onClick={onRefresh} aria-label="Refresh pods">↻</button>
    </div>
  );
}

interface LogLine { pod: string; container: string; line: string; ts?: string }

const MAX_LINES = 2000;

export function NodeLogs({ workflowId, nodeId }: { workflowId: number; nodeId: string }) {
  const { pods, error, refresh } = usePods(workflowId, nodeId);
  const [pod, setPod] = useState("");
  const [container, setContainer] = useState("");
  const [follow, setFollow] = useState(true);
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<"idle" | "streaming" | "ended" | "closed">("idle");
  const [streamError, setStreamError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (!pods) return;
    if (pods.some((candidate) => candidate.name === pod)) return;
    const first = defaultPod(pods);
    setPod(first?.name ?? "");
    setContainer(first?.containers[0] ?? "");
  }, [pods, pod]);

  useEffect(() => {
    if (!pod || !container) return;
    setLines([]);
    setStreamError(null);
    setState("streaming");
    // Named SSE events (`log`, `end`, `error`): `onmessage` only sees unnamed ones.
    const source = new EventSource(nodeLogsUrl(workflowId, nodeId, pod, container, follow));
    let pending: string[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setLines((current) => (current.length + batch.length > MAX_LINES ? [...current, ...batch].slice(-MAX_LINES) : [...current, ...batch]));
    };
    source.addEventListener("log", (message) => {
      try {
        const event = JSON.parse(String((message as MessageEvent).data)) as LogLine;
        pending.push(event.line);
        if (!frame) frame = window.requestAnimationFrame(flush);
      } catch { /* skip a malformed line */ }
    });
    source.addEventListener("end", () => {
      source.close();
      setState("ended");
    });
    source.addEventListener("error", (event) => {
      if (event instanceof MessageEvent && typeof event.data === "string") {
        // The server's own `event: error`: one container's follower failed.
        try {
          const detail = JSON.parse(event.data) as { message?: string; container?: string };
          setStreamError(detail.message ?? event.data);
        } catch { setStreamError(event.data); }
        return;
      }
      // The connection itself dropped: do not let EventSource replay the tail on its own.
      source.close();
      setState("closed");
    });
    return () => { source.close(); if (frame) window.cancelAnimationFrame(frame); };
  }, [workflowId, nodeId, pod, container, follow, attempt]);

  useEffect(() => { if (follow && box.current) box.current.scrollTop = box.current.scrollHeight; }, [lines, follow]);

  if (error) return <Notice kind="error">Pods unavailable: {error} <button type="button" className="link-button" onClick={refresh}>Retry</button></Notice>;
  if (!pods) return <p className="muted">Loading pods…</p>;
  if (pods.length === 0) return <Notice>No pods yet: run the workflow to create them. <button type="button" className="link-button" onClick={refresh}>Refresh</button></Notice>;
  return (
    <div className="node-logs">
      <PodPicker pods={pods} pod={pod} container={container} onRefresh={refresh}
        onPod={(name) => { setPod(name); setContainer(pods.find((p) => p.name === name)?.containers[0] ?? ""); }} onContainer={setContainer} />
      <div className="row-actions">
        <label className="check"><input type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} /> Follow</label>
        <span className="muted small" role="status">
          {state === "streaming" ? (follow ? "● following" : "loading…") : state === "ended" ? "log ended" : state === "closed" ? "connection lost" : ""}
        </span>
        {(state === "closed" || state === "ended") && <button type="button" onClick={() => setAttempt((n) => n + 1)}>Reload log</button>}
      </div>
      {streamError && <Notice kind="warn">{streamError}</Notice>}
      <pre ref={box} className="log-box" aria-label="Pod log" data-testid="pod-log" tabIndex={0}>{lines.join("\n") || "Waiting for log lines…"}</pre>
    </div>
  );
}
