// Pure helpers of the API-route proxy: body limits and the mapping of transport
// failures to HTTP statuses. No I/O here, so Vitest covers them directly.
import { nextUrl } from "@/lib/todos/link";

/** The largest request body the proxy forwards, like the backend's own limit. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Why a backend call produced no HTTP answer. */
export type TransportFailure = "unreachable" | "timeout";

/** An HTTP answer from the backend (only its allow-listed headers), or why there was none. */
export type BackendResult =
  | { kind: "response"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "failure"; failure: TransportFailure };

/** Maps a fetch exception to the failure it stands for (timeout vs. unreachable). */
export function classifyFetchError(error: unknown): TransportFailure {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "timeout";
  }
  return "unreachable";
}

/** The status and JSON body a proxy route answers for a transport failure. */
export function failureResponse(failure: TransportFailure): { status: number; body: { detail: string } } {
  return failure === "timeout"
    ? { status: 504, body: { detail: "The todo service did not answer in time." } }
    : { status: 502, body: { detail: "The todo service is unreachable." } };
}

/** Reads a request body as text, refusing more than `limit` bytes (declared or streamed). */
export async function readLimitedBody(
  request: Request,
  limit: number = MAX_BODY_BYTES,
): Promise<{ ok: true; text: string } | { ok: false }> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > limit) return { ok: false };
  if (!request.body) return { ok: true, text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // A chunked body has no content-length: count while reading and stop early.
    if (size > limit) {
      await reader.cancel();
      return { ok: false };
    }
    chunks.push(value);
  }
  return { ok: true, text: Buffer.concat(chunks).toString("utf8") };
}

/** The 413 answer for an oversized body. */
export const tooLargeBody = { detail: `Request body exceeds ${MAX_BODY_BYTES / 1024} KiB.` };

/** Keeps only the path of a backend `Location` header so clients never see the backend's host. */
export function proxiedLocation(location: string | null): string | undefined {
  if (!location) return undefined;
  try {
    const url = new URL(location, "http://backend.invalid");
    return url.pathname.replace(/\/+$/, "") + url.search;
  } catch {
    return undefined;
  }
}

/**
 * The backend response headers that reach the client, each with how it is rewritten
 * (undefined drops it). An allow-list: anything else (Server, Date, framework
 * headers) stays behind. Add a header here to pass it through.
 */
const FORWARDED_RESPONSE_HEADERS: Readonly<Record<string, (value: string) => string | undefined>> = {
  location: proxiedLocation,
  "retry-after": (value) => (/^[0-9]{1,6}$/.test(value) ? value : undefined),
  // The list's next page, pointed at the proxy's own path.
  link: proxiedLink,
};

/** The allow-listed backend response headers, rewritten for the client. */
export function forwardedResponseHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, rewrite] of Object.entries(FORWARDED_RESPONSE_HEADERS)) {
    const value = headers.get(name);
    const rewritten = value === null ? undefined : rewrite(value);
    if (rewritten !== undefined) kept[name] = rewritten;
  }
  return kept;
}

/**
 * The body the client gets for a backend answer. Server errors get the proxy's own
 * words, and a body that is not JSON is never passed on: neither may carry a
 * stack trace or an internal message to the browser.
 */
export function clientBody(status: number, text: string): unknown {
  if (status === 503) return { detail: "The todo service is temporarily unavailable. Try again in a moment." };
  if (status >= 500) return { detail: "The todo service failed. Try again later." };
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { detail: "The todo service gave an unreadable answer." };
  }
}

/** A JSON answer of the proxy (`null` body for 204), with the given extra headers. */
export function jsonResponse(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  const headers = new Headers({ ...extra, "cache-control": "no-store" });
  if (status === 204 || status === 304 || body === null) return new Response(null, { status, headers });
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status, headers });
}

/** Only a decimal id is forwarded, so a crafted id ("..") can never reach another backend path. */
export function isTodoId(id: string): boolean {
  return /^[0-9]{1,18}$/.test(id);
}

/** FastAPI's own answer for a non-integer path id, so the proxy answers the same. */
export const invalidIdBody = {
  detail: [{ type: "int_parsing", loc: ["path", "id"], msg: "Input should be a valid integer" }],
};

/** Turns a backend result into the proxy's answer: pass-through, or 502/504 when there was none. */
export function proxyAnswer(result: BackendResult): Response {
  if (result.kind === "failure") {
    const { status, body } = failureResponse(result.failure);
    return jsonResponse(status, body);
  }
  return jsonResponse(result.status, result.body, result.headers);
}

/** The list's query parameters the proxy forwards (`limit`, `cursor`); nothing else reaches the backend. */
export function listQuery(url: URL): string {
  const forwarded = new URLSearchParams();
  for (const name of ["limit", "cursor"]) {
    const value = url.searchParams.get(name);
    if (value !== null) forwarded.set(name, value);
  }
  const query = forwarded.toString();
  return query ? `?${query}` : "";
}

/** The backend's `Link` rel="next" rewritten to the proxy's own path (`/api/todos?...`). */
export function proxiedLink(link: string | null | undefined): string | undefined {
  const url = nextUrl(link);
  return url ? `</api/todos${listQuery(url)}>; rel="next"` : undefined;
}
