/** Small pieces shared by the artifacts pages: status badges, API errors, the live indicator, time. */
import { ApiError, errorMessage } from "../../api/client";
import type { LiveState } from "../../live/events";
import { Notice } from "../Notice";

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`status art-status art-status-${status}`} data-status={status} aria-label={label}>{status}</span>;
}

export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  const fields = error instanceof ApiError ? error.errors : [];
  const code = error instanceof ApiError && !error.code.startsWith("http_") ? error.code : null;
  return (
    <div role="alert" className="notice notice-error">
      {code && <code>{code}</code>} {errorMessage(error)}
      {fields.length > 0 && (
        <ul className="error-list">{fields.map((field, i) => <li key={i}><code>{field.path || "request"}</code>: {field.message}</li>)}</ul>
      )}
    </div>
  );
}

export function LiveIndicator({ state, detail }: { state: LiveState; detail?: string | undefined }) {
  const text = state === "live" ? "● live" : state === "connecting" ? "connecting…" : state === "reconnecting" ? "reconnecting…" : "not live";
  return <span className={`live live-${state}`} data-testid="live-state" title={detail}>{text}{detail && state === "closed" ? `: ${detail}` : ""}</span>;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export function Gone({ name }: { name: string }) {
  return <Notice kind="warn">{name} was deleted. <a href="/artifacts/">Back to the artifacts</a></Notice>;
}
