/** An exec terminal into a node's pod: xterm.js over the exec WebSocket. */
import { useEffect, useRef, useState } from "react";
import { wsUrl } from "../api/endpoints";
import { Notice } from "./Notice";
import { PodPicker, usePods } from "./NodeLogs";

export function NodeTerminal({ workflowId, nodeId }: { workflowId: number; nodeId: string }) {
  const { pods, error } = usePods(workflowId, nodeId);
  const [pod, setPod] = useState("");
  const [container, setContainer] = useState("");
  const [status, setStatus] = useState("");
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const first = pods?.[0];
    if (first && !pod) { setPod(first.name); setContainer(first.containers[0] ?? ""); }
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
      const resize = () => {
        fit.fit();
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "resize", cols: terminal.cols, rows: terminal.rows }));
      };
      socket.onopen = () => { setStatus("Connected"); resize(); terminal.focus(); };
      socket.onmessage = (message) => {
        const frame = JSON.parse(String(message.data)) as { type: string; data?: string; status?: unknown };
        if (frame.type === "stdout" || frame.type === "stderr") terminal.write(frame.data ?? "");
        else if (frame.type === "exit") setStatus(`Exited (${JSON.stringify(frame.status)})`);
      };
      socket.onclose = (event) => setStatus((current) => (current.startsWith("Exited") ? current : event.code === 1006 ? "Terminal unavailable: the exec endpoint refused the connection." : "Disconnected"));
      const input = terminal.onData((data) => { if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "stdin", data })); });
      window.addEventListener("resize", resize);
      cleanup = () => { window.removeEventListener("resize", resize); input.dispose(); socket.close(); terminal.dispose(); };
    })();
    return () => { disposed = true; cleanup(); };
  }, [workflowId, nodeId, pod, container]);

  if (error) return <Notice kind="error">Pods unavailable: {error}</Notice>;
  if (!pods) return <p className="muted">Loading pods…</p>;
  if (pods.length === 0) return <Notice>No pods yet: run the workflow to create them.</Notice>;
  return (
    <div className="node-terminal">
      <PodPicker pods={pods} pod={pod} container={container} onPod={(name) => { setPod(name); setContainer(pods.find((p) => p.name === name)?.containers[0] ?? ""); }} onContainer={setContainer} />
      <p className="muted small" role="status">{status}</p>
      <div ref={host} className="terminal-host" aria-label="Terminal" />
    </div>
  );
}
