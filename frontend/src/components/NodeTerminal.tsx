/** An exec terminal into a node's pod: xterm.js over the exec WebSocket. */
import { useEffect, useRef, useState } from "react";
import { wsUrl } from "../api/endpoints";
import { Notice } from "./Notice";
import { defaultPod, PodPicker, usePods } from "./NodeLogs";

const CLOSE_REASONS: Record<number, string> = {
  4401: "Sign in again to open a terminal.",
  4403: "Only developers and admins of this team can open a terminal.",
  4404: "This pod or container no longer exists: refresh the pod list.",
};

export function NodeTerminal({ workflowId, nodeId }: { workflowId: number; nodeId: string }) {
  const { pods, error, refresh } = usePods(workflowId, nodeId);
  const [pod, setPod] = useState("");
  const [container, setContainer] = useState("");
  const [status, setStatus] = useState("");
  const [failure, setFailure] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!pods || pods.some((candidate) => candidate.name === pod)) return;
    const first = defaultPod(pods);
    setPod(first?.name ?? "");
    setContainer(first?.containers[0] ?? "");
  }, [pods, pod]);

  useEffect(() => {
    if (!pod || !container || !host.current) return;
    let disposed = false;
    let cleanup = () => {};
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit")]);
      await import("@xterm/xterm/css/xterm.css");
      if (disposed || !host.current) return;
      const terminal = new Terminal({ fontSize: 13, cursorBlink: true, theme: { background: "#020617" } });
      const fit = new FitAddon();
      terminal.loadAddon(fit);
      terminal.open(host.current);
      fit.fit();
      const query = new URLSearchParams({ pod, container });
      const socket = new WebSocket(wsUrl(`/ws/workflows/${workflowId}/nodes/${encodeURIComponent(nodeId)}/exec?${query}`));
      setStatus("Connecting…");
      setFailure(null);
      let exited = false;
      const resize = () => {
        fit.fit();
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "resize", cols: terminal.cols, rows: terminal.rows }));
      };
      socket.onopen = () => { setStatus("Connected"); resize(); terminal.focus(); };
      socket.onmessage = (message) => {
        let frame: { type: string; data?: string; status?: unknown; message?: string };
        try { frame = JSON.parse(String(message.data)) as typeof frame; } catch { return; }
        if (frame.type === "stdout" || frame.type === "stderr") terminal.write(frame.data ?? "");
        else if (frame.type === "error") {
          const text = frame.message ?? "the exec session failed";
          setFailure(text);
          terminal.write(`\r\n\x1b[31m${text}\x1b[0m\r\n`);
        } else if (frame.type === "exit") {
          exited = true;
          const code = typeof frame.status === "number" ? frame.status : JSON.stringify(frame.status);
          setStatus(`Session ended (exit status ${code})`);
          terminal.write(`\r\n\x1b[90m[session ended: exit status ${code}]\x1b[0m\r\n`);
        }
      };
      socket.onclose = (event) => {
        if (exited || disposed) return;
        const reason = CLOSE_REASONS[event.code];
        if (reason) setFailure(reason);
        setStatus(reason ? "Not connected" : event.code === 1006 ? "Connection lost" : "Disconnected");
      };
      const input = terminal.onData((data) => { if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "stdin", data })); });
      window.addEventListener("resize", resize);
      cleanup = () => { window.removeEventListener("resize", resize); input.dispose(); socket.close(); terminal.dispose(); };
    })().catch((e: unknown) => { if (!disposed) setFailure(`The terminal could not start: ${String(e)}`); });
    return () => { disposed = true; cleanup(); };
  }, [workflowId, nodeId, pod, container, attempt]);

  if (error) return <Notice kind="error">Pods unavailable: {error} <button type="button" className="link-button" onClick={refresh}>Retry</button></Notice>;
  if (!pods) return <p className="muted">Loading pods…</p>;
  if (pods.length === 0) return <Notice>No pods yet: run the workflow to create them. <button type="button" className="link-button" onClick={refresh}>Refresh</button></Notice>;
  return (
    <div className="node-terminal">
      <PodPicker pods={pods} pod={pod} container={container} onRefresh={refresh}
        onPod={(name) => { setPod(name); setContainer(pods.find((p) => p.name === name)?.containers[0] ?? ""); }} onContainer={setContainer} />
      <div className="row-actions">
        <span className="muted small" role="status" data-testid="terminal-status">{status}</span>
        {status !== "Connected" && status !== "Connecting…" && <button type="button" onClick={() => setAttempt((n) => n + 1)}>Reconnect</button>}
      </div>
      {failure && <Notice kind="error">{failure}</Notice>}
      <div ref={host} className="terminal-host" aria-label="Terminal" />
    </div>
  );
}
