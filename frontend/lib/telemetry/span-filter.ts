// Why not Next.js's own allow-list (NEXT_OTEL_VERBOSE unset): it still lets 22 span types through, 18 of them internal steps; the collector's filter processor would drop them only after Node had encoded and sent them (reproduce: grep -A23 "NextVanillaSpanAllowlist = new Set" node_modules/next/dist/server/lib/trace/constants.js).
// Cost to keep: ~55 lines; on a Next.js upgrade compare KEPT_NEXT_SPAN_TYPES with that list (a renamed request or render type would be dropped).
// Delete when: Next.js exports only the request, render and route-handler spans unless told otherwise.
//
// Keeps traces few and meaningful: the request, the page render or route handler,
// our own spans (Server Actions, the calls to fastapi-app) — and not the dozen
// internal steps Next.js records for each request (module loading, component
// tree, response start). Next.js's own fetch span, which would duplicate the
// client span the data layer opens around every backend call, is never even
// created (NEXT_OTEL_FETCH_DISABLED, instrumentation.ts).
//
// Dropped spans are leaves or parents of dropped spans only: every span we keep
// has a kept parent, so the X-Ray trace stays one connected tree (`verify`
// checks that the fastapi-app segment hangs under a nextjs-app span).
import type { Attributes, Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** Next.js span types worth a segment or subsegment in X-Ray. */
export const KEPT_NEXT_SPAN_TYPES: ReadonlySet<string> = new Set([
  "BaseServer.handleRequest", // the request: becomes the nextjs-app segment
  "AppRender.getBodyResult", // rendering a page (its backend calls hang below)
  "AppRouteRouteHandlers.runHandler", // an API route's handler (the proxy)
  "Middleware.execute",
]);

/** Routes whose requests are never traced: the browser-telemetry relay would trace itself. */
const UNTRACED_PATH = /^\/api\/telemetry(\/|$)/;

/** Whether a span is exported: our own spans always, Next.js's only from the kept types. */
export function isMeaningful(attributes: Attributes): boolean {
  const type = attributes["next.span_type"];
  if (typeof type !== "string") return true;
  // Every span of a relay request carries its path (http.target) or route (next.route).
  const path = attributes["next.route"] ?? attributes["http.target"];
  if (typeof path === "string" && UNTRACED_PATH.test(path)) return false;
  return KEPT_NEXT_SPAN_TYPES.has(type);
}

/** Passes only meaningful spans on to `next` (the batch processor). */
export class MeaningfulSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  /** Starts are passed on; Next.js sets `next.span_type` when it creates the span. */
  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  /** Ends of meaningful spans only reach the exporter. */
  onEnd(span: ReadableSpan): void {
    if (isMeaningful(span.attributes)) this.next.onEnd(span);
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
