/** fetch against /v1/api with the session cookie and CSRF token; errors become ApiError. */

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];
  /** The whole JSON error body, for endpoint-specific fields such as `active_run_id`. */
  readonly body: Record<string, unknown>;

  constructor(status: number, code: string, message: string, errors: FieldError[] = [], body: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.body = body;
  }

  /** True when the endpoint does not exist (yet) on this server. */
  get isMissingEndpoint(): boolean {
    return this.status === 404 && this.code === "not_found_html";
  }
}

export const API_ROOT = "/v1/api";

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match?.[1]) return decodeURIComponent(match[1]);
  return document.getElementById("app")?.dataset.csrf ?? "";
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  /** A multipart body (file uploads); the browser sets its Content-Type. */
  form?: FormData;
  accept?: string;
  signal?: AbortSignal;
  /** Defaults to API_ROOT; `/api` for the endpoints mounted there (artifacts, deployments). */
  root?: string;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      const body = (await response.json()) as { code?: string; message?: string; errors?: FieldError[] } & Record<string, unknown>;
      return new ApiError(
        response.status,
        body.code ?? `http_${response.status}`,
        body.message ?? response.statusText,
        body.errors ?? [],
        body,
      );
    } catch {
      /* fall through to the generic error */
    }
  }
  if (response.status === 404) {
    return new ApiError(404, "not_found_html", "This server does not offer this feature yet (404).");
  }
  return new ApiError(response.status, `http_${response.status}`, `${response.status} ${response.statusText}`);
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: options.accept ?? "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${options.root ?? API_ROOT}${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "The server cannot be reached; check your connection.");
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) return (await response.json()) as T;
  return (await response.text()) as T;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
