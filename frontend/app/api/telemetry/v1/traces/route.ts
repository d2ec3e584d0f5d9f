// POST /api/telemetry/v1/traces: the browser's OTLP/HTTP JSON spans, checked and
// relayed to the collector, so pages never talk to the collector themselves.
// The span filter leaves this route out of the server's own traces.
import { jsonResponse, readLimitedBody } from "@/lib/proxy";
import {
  clientKey,
  forwardTraces,
  isAcceptedContentType,
  MAX_TELEMETRY_BODY_BYTES,
  RateLimiter,
  RelayError,
  rewriteExport,
} from "@/lib/telemetry/otlp-relay";

// A page sends a batch every few seconds at most, plus one when it is hidden.
const limiter = new RateLimiter(30, 10);

/** Accepts one OTLP JSON trace export from a page and forwards it to the collector. */
export async function POST(request: Request): Promise<Response> {
  if (!limiter.take(clientKey(request.headers.get("x-forwarded-for")))) {
    return jsonResponse(429, { detail: "Too many telemetry exports; slow down." });
  }
  if (!isAcceptedContentType(request.headers.get("content-type"))) {
    return jsonResponse(415, { detail: "Send OTLP/HTTP JSON (content-type: application/json)." });
  }
  const body = await readLimitedBody(request, MAX_TELEMETRY_BODY_BYTES);
  if (!body.ok) {
    return jsonResponse(413, { detail: `Telemetry body exceeds ${MAX_TELEMETRY_BODY_BYTES / 1024} KiB.` });
  }
  let rewritten: string;
  try {
    rewritten = rewriteExport(body.text);
  } catch (error) {
    if (error instanceof RelayError) return jsonResponse(error.status, { detail: error.message });
    throw error;
  }
  const status = await forwardTraces(rewritten);
  if (status >= 200 && status < 300) return jsonResponse(200, { partialSuccess: {} });
  return jsonResponse(502, { detail: "The collector did not accept the spans." });
}
