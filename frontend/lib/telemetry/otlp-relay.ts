import "server-only";
// Why not the collector's OTLP receiver opened to browsers (CORS on the sidecar): a page is untrusted, and the receiver keeps whatever service.name, resource and aws.* attributes it claims, takes 20 MiB bodies at any rate, and needs a second ALB target on every task (reproduce: npx vitest run tests/telemetry-relay.test.ts, its 429, 413 and rewrite cases).
// Cost to keep: ~165 lines; on upgrades of exporter-trace-otlp-http check that the page still sends OTLP/JSON (resourceSpans, scopeSpans, spans).
// Delete when: browser spans go to an ingestion service built for untrusted clients (CloudWatch RUM, say) instead of through this origin.
//
// The browser-telemetry relay (POST /api/telemetry/v1/traces, the route is
// app/api/telemetry/v1/traces/route.ts): what a page may send, how often, which
// resource attributes survive, and the way on to the collector. The page may
// claim any service or host, so the relay keeps only the SDK's own description
// and names the service itself. Only forwardTraces does I/O.

const FORWARD_TIMEOUT_MS = 5000;

/** The largest OTLP body accepted; the browser's batches stay far below it. */
export const MAX_TELEMETRY_BODY_BYTES = 128 * 1024;

/** The only service name browser spans may carry, whatever the page claims. */
export const BROWSER_SERVICE_NAME = "nextjs-browser";

/** Resource attributes a browser may set (the SDK describing itself); every other one is dropped. */
const ALLOWED_RESOURCE_KEYS: ReadonlySet<string> = new Set([
  "telemetry.sdk.language",
  "telemetry.sdk.name",
  "telemetry.sdk.version",
]);

/** Why a body is refused, with the status the relay answers. */
export class RelayError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Only OTLP/HTTP JSON: it is what the web exporter sends, and the relay must parse
 * a body to rewrite its resource (there is no protobuf decoder in the SDK).
 */
export function isAcceptedContentType(header: string | null): boolean {
  return header?.split(";")[0]?.trim().toLowerCase() === "application/json";
}

interface KeyValue {
  key: string;
  value: unknown;
}

/** The OTLP JSON body with every resource and span rewritten for `nextjs-browser`; throws RelayError. */
export function rewriteExport(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RelayError(400, "The body is not JSON.");
  }
  if (!isRecord(body) || !Array.isArray(body.resourceSpans)) {
    throw new RelayError(400, "The body is not an OTLP trace export (no resourceSpans).");
  }
  const resourceSpans: unknown[] = body.resourceSpans;
  const rewritten = resourceSpans.map((entry) => {
    if (!isRecord(entry)) throw new RelayError(400, "A resourceSpans entry is not an object.");
    const resource = isRecord(entry.resource) ? entry.resource : {};
    const kept = keyValues(resource.attributes).filter((attribute) => ALLOWED_RESOURCE_KEYS.has(attribute.key));
    const service = stringAttribute("service.name", BROWSER_SERVICE_NAME);
    const scopeSpans = records(entry.scopeSpans).map((scope) => ({ ...scope, spans: records(scope.spans).map(rewriteSpan) }));
    return { ...entry, resource: { attributes: [...kept, service] }, scopeSpans };
  });
  return JSON.stringify({ ...body, resourceSpans: rewritten });
}

/**
 * X-Ray names a segment after `aws.*` attributes: a page may set none of them,
 * and its local roots (a click, a page load) become segments named
 * `nextjs-browser`, as a server span's would be named after its service.
 */
function rewriteSpan(span: Record<string, unknown>): Record<string, unknown> {
  const attributes = keyValues(span.attributes).filter((attribute) => !attribute.key.startsWith("aws."));
  if (!span.parentSpanId) {
    attributes.push(stringAttribute("aws.span.kind", "LOCAL_ROOT"), stringAttribute("aws.local.service", BROWSER_SERVICE_NAME));
  }
  return { ...span, attributes };
}

function stringAttribute(key: string, value: string): KeyValue {
  return { key, value: { stringValue: value } };
}

/** The well-formed key-value pairs of an OTLP attribute list. */
function keyValues(value: unknown): KeyValue[] {
  return records(value).filter((item): item is Record<string, unknown> & KeyValue => typeof item.key === "string");
}

/** The objects of an OTLP list (anything else is a malformed export). */
function records(value: unknown): Record<string, unknown>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isRecord)) {
    throw new RelayError(400, "The body is not a well-formed OTLP trace export.");
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A token bucket per client: `burst` requests at once, refilled at `perMinute`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    // Bounds memory against clients that rotate addresses; a full map starts over.
    private readonly maxClients: number = 10_000,
  ) {}

  /** Takes one token for `client`; false when its bucket is empty. */
  take(client: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.burst, at: now };
    const refilled = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 60_000) * this.perMinute);
    const allowed = refilled >= 1;
    if (!this.buckets.has(client) && this.buckets.size >= this.maxClients) this.buckets.clear();
    this.buckets.set(client, { tokens: allowed ? refilled - 1 : refilled, at: now });
    return allowed;
  }
}

/**
 * The client a request is counted against: the last `X-Forwarded-For` hop, the
 * one the load balancer (or Next.js's own server) appended; earlier hops are the
 * client's own claims.
 */
export function clientKey(forwardedFor: string | null): string {
  const hops = (forwardedFor ?? "").split(",").map((hop) => hop.trim());
  return hops.at(-1) || "unknown";
}

/** The collector's OTLP/HTTP traces URL, by the exporter rules: the endpoint the server's own SDK exports to. */
function tracesUrl(): string {
  const signal = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (signal) return signal;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "http://localhost:4318";
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

/** Sends an OTLP JSON trace export to the collector; its HTTP status, or 0 when it did not answer. */
export async function forwardTraces(json: string): Promise<number> {
  try {
    const response = await fetch(tracesUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json,
      cache: "no-store",
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}
