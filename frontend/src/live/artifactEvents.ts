/**
 * The team event stream `/api/events` (SSE, session cookie) filtered to artifact events.
 *
 * EventSource reconnects by itself and sends `Last-Event-ID` (the server's `id:` lines), so
 * nothing is missed while it was down; `onOpen(reconnected)` lets a page re-read its snapshot
 * anyway, for the case of a drop before the first event arrived (no id to resume from).
 */
import { ARTIFACT_EVENT_TYPES, parseArtifactEvent, type ArtifactEvent } from "../artifacts/events";
import type { LiveState } from "./events";

export const EVENTS_URL = "/api/events";

export interface ArtifactStreamHandlers {
  onEvent(event: ArtifactEvent): void;
  onState(state: LiveState, detail?: string): void;
  onOpen?(reconnected: boolean): void;
}

export interface ArtifactStream {
  close(): void;
}

export function connectArtifactEvents(handlers: ArtifactStreamHandlers, only?: number): ArtifactStream {
  const source = new EventSource(EVENTS_URL, { withCredentials: true });
  let opened = false;
  handlers.onState("connecting");
  source.onopen = () => {
    handlers.onState("live");
    handlers.onOpen?.(opened);
    opened = true;
  };
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) handlers.onState("closed", "the event stream was refused; reload the page");
    else handlers.onState("reconnecting");
  };
  // Named events (`event: artifact.status_changed`): `onmessage` only sees unnamed ones.
  const listener = (message: Event) => {
    const event = parseArtifactEvent(String((message as MessageEvent).data));
    if (!event) return;
    if (only !== undefined && event.payload.artifact_id !== only) return;
    handlers.onEvent(event);
  };
  for (const type of ARTIFACT_EVENT_TYPES) source.addEventListener(type, listener);
  return {
    close() {
      source.close();
      handlers.onState("closed");
    },
  };
}
