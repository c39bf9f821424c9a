/** Pod logs of a node over SSE, with pod and container pickers and follow. */
import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../api/client";
import { api, nodeLogsUrl } from "../api/endpoints";
import type { Pod } from "../api/types";
import { Notice } from "./Notice";

export function usePods(workflowId: number, nodeId: string) {
  const [pods, setPods] = useState<Pod[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setPods(null);
    setError(null);
    api.pods(workflowId, nodeId).then((found) => live && setPods(found)).catch((e) => live && setError(errorMessage(e)));
    return () => { live = false; };
  }, [workflowId, nodeId]);
  return { pods, error };
}

export function PodPicker({ pods, pod, container, onPod, onContainer }: {
  pods: Pod[]; pod: string; container: string; onPod(name: string): void; onContainer(name: string): void;
}) {
  const containers = pods.find((candidate) => candidate.name === pod)?.containers ?? [];
  return (
    <div className="pickers">
      <label>Pod
        <select value={pod} onChange={(event) => onPod(event.target.value)} aria-label="Pod">
          {pods.map((candidate) => <option key={candidate.name} value={candidate.name}>{candidate.name} ({candidate.phase}{candidate.ready ? ", ready" : ""})</option>)}
        </select>
      </label>
      <label>Container
        <select value={container} onChange={(event) => onContainer(event.target.value)} aria-label="Container">
          {containers.map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      </label>
    </div>
  );
}

export function NodeLogs({ workflowId, nodeId }: { workflowId: number; nodeId: string }) {
  const { pods, error } = usePods(workflowId, nodeId);
  const [pod, setPod] = useState("");
  const [container, setContainer] = useState("");
  const [follow, setFollow] = useState(true);
  const [lines, setLines] = useState<string[]>([]);
  const [streamError, setStreamError] = useState<string | null>(null);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const first = pods?.[0];
    if (first && !pod) { setPod(first.name); setContainer(first.containers[0] ?? ""); }
  }, [pods, pod]);

  useEffect(() => {
    if (!pod || !container) return;
    setLines([]);
    setStreamError(null);
    const source = new EventSource(nodeLogsUrl(workflowId, nodeId, pod, container, follow));
    source.onmessage = (message) => {
      try {
        const event = JSON.parse(String(message.data)) as { line: string };
        setLines((current) => [...current, event.line].slice(-2000));
      } catch { /* skip malformed lines */ }
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setStreamError("The log stream closed.");
      if (!follow) source.close();
    };
    return () => source.close();
  }, [workflowId, nodeId, pod, container, follow]);

  useEffect(() => { if (follow && box.current) box.current.scrollTop = box.current.scrollHeight; }, [lines, follow]);

  if (error) return <Notice kind="error">Pods unavailable: {error}</Notice>;
  if (!pods) return <p className="muted">Loading pods…</p>;
  if (pods.length === 0) return <Notice>No pods yet: run the workflow to create them.</Notice>;
  return (
    <div className="node-logs">
      <PodPicker pods={pods} pod={pod} container={container} onPod={(name) => { setPod(name); setContainer(pods.find((p) => p.name === name)?.containers[0] ?? ""); }} onContainer={setContainer} />
      <label className="check"><input type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} /> Follow</label>
      {streamError && <Notice kind="warn">{streamError}</Notice>}
      <pre ref={box} className="log-box" aria-label="Pod log" tabIndex={0}>{lines.join("\n") || "Waiting for log lines…"}</pre>
    </div>
  );
}
