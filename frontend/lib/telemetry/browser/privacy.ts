// Why not the instrumentations' own hooks (applyCustomAttributesOnSpan, requestHook): they can overwrite an attribute but not remove one, so user_agent.original and the query in url.full would stay, and document-load has no switch for its per-file resourceFetch spans (reproduce: grep -n "value == null" node_modules/@opentelemetry/sdk-trace/build/src/Span.js; grep -n "Config {" -A40 node_modules/@opentelemetry/instrumentation-document-load/build/src/types.d.ts).
// Cost to keep: ~100 lines; on upgrades of the fetch and document-load instrumentations check the attributes they set (tests/browser-privacy.test.ts lists the forbidden ones).
// Delete when: the web SDK offers an attribute-dropping span processor or view, and document-load a switch for resource spans.
//
// What browser spans may say about the page: route templates, never ids, query
// strings, todo titles or the user agent. Applied to every span before export,
// whichever instrumentation made it. Pure functions plus one processor (Vitest).
import type { Attributes, Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-web";

/** Attributes holding a URL: kept as origin + route template. */
const URL_KEYS: ReadonlySet<string> = new Set(["url.full", "http.url"]);

/** Attributes never exported: query strings, raw paths and the browser's fingerprint. */
const DROPPED_KEYS: ReadonlySet<string> = new Set([
  "url.query",
  "url.path",
  "http.target",
  "user_agent.original",
  "http.user_agent",
]);

/** Path segments that are ids (numbers, UUIDs, long hex) become `{id}`. */
const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/** A path with its ids replaced by `{id}`: `/api/todos/7` → `/api/todos/{id}`. */
export function routeTemplate(pathname: string): string {
  return pathname
    .split("/")
    .map((segment) => (ID_SEGMENT.test(segment) ? "{id}" : segment))
    .join("/");
}

/** A URL as it may be exported: same origin → origin + template; other origins → the origin only. */
export function templatedUrl(raw: string, origin: string): string {
  try {
    const url = new URL(raw, origin);
    return url.origin === origin ? `${url.origin}${routeTemplate(url.pathname)}` : url.origin;
  } catch {
    return "invalid-url";
  }
}

/** A fetch span's name: the bare method the instrumentation gives it, plus the route template. */
export function requestName(name: string, attributes: Attributes, origin: string): string {
  const url = attributes["url.full"] ?? attributes["http.url"];
  if (!/^[A-Z]+$/.test(name) || typeof url !== "string") return name;
  const templated = templatedUrl(url, origin);
  return `${name} ${templated.startsWith(origin) ? templated.slice(origin.length) || "/" : templated}`;
}

/** Attributes with URLs templated and the forbidden keys removed. */
export function sanitizeAttributes(attributes: Attributes, origin: string): Attributes {
  const clean: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (DROPPED_KEYS.has(key)) continue;
    clean[key] = URL_KEYS.has(key) && typeof value === "string" ? templatedUrl(value, origin) : value;
  }
  return clean;
}

/**
 * Hands `next` (the batch processor) a sanitized, well-named view of each ended span, and
 * drops `resourceFetch` spans: one per static file of the page load, noise in
 * X-Ray. The view shares everything else with the span (its ids, times, events).
 */
export class PrivacySpanProcessor implements SpanProcessor {
  constructor(
    private readonly next: SpanProcessor,
    private readonly origin: string,
  ) {}

  /** Starts pass through unchanged. */
  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  /** Ended spans reach the exporter only sanitized. */
  onEnd(span: ReadableSpan): void {
    if (span.name === "resourceFetch") return;
    const attributes = sanitizeAttributes(span.attributes, this.origin);
    const events = span.events.map((event) =>
      event.attributes ? { ...event, attributes: sanitizeAttributes(event.attributes, this.origin) } : event,
    );
    const name = requestName(span.name, span.attributes, this.origin);
    // A prototype view keeps the span's methods (spanContext) without copying or mutating it.
    const view: ReadableSpan = Object.create(span, {
      name: { value: name },
      attributes: { value: attributes },
      events: { value: events },
    });
    this.next.onEnd(view);
  }

  /** Flushes the wrapped processor. */
  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  /** Shuts the wrapped processor down. */
  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
