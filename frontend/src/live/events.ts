/** The workflow's live event WebSocket, reconnecting with `?after=<last id>` so nothing is missed. */
import type { LiveEvent } from "../api/types";
import { wsUrl } from "../api/endpoints";

export type LiveState = "connecting" | "live" | "reconnecting" | "closed";

export interface LiveConnection {
  close(): void;
}

export function connectWorkflowEvents(
  workflowId: number,
  lastEventId: () => number,
  onEvent: (event: LiveEvent) => void,
  onState: (state: LiveState, detail?: string) => void,
): LiveConnection {
  let socket: WebSocket | null = null;
  let closed = false;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const open = () => {
    const after = lastEventId();
    const query = after > 0 ? `?after=${after}` : "";
    onState(attempt === 0 ? "connecting" : "reconnecting");
    socket = new WebSocket(wsUrl(`/ws/workflows/${workflowId}/${query}`));
    socket.onopen = () => {
      attempt = 0;
      onState("live");
    };
    socket.onmessage = (message) => {
      try {
        onEvent(JSON.parse(String(message.data)) as LiveEvent);
      } catch {
        /* a malformed frame is skipped; the next event id still resumes correctly */
      }
    };
    socket.onclose = (event) => {
      socket = null;
      if (closed) return;
      if (event.code === 4401 || event.code === 4404) {
        onState("closed", event.code === 4401 ? "signed out" : "no access to this workflow");
        return;
      }
      attempt += 1;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      onState("reconnecting", `retrying in ${Math.round(delay / 1000)} s`);
      retry = setTimeout(open, delay);
    };
  };

  open();
  return {
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      socket?.close();
      onState("closed");
    },
  };
}
