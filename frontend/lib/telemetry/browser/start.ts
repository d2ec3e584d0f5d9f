// The browser's OpenTelemetry bootstrap, loaded lazily by components/browser-telemetry.tsx
// after the page has painted, and only for sampled page views. Spans go in
// batches through the Next.js origin (the relay names the service
// `nextjs-browser`), never to the collector; the batch processor flushes when
// the page is hidden, with fetch keepalive, so the last click is not lost.
import { trace, type Span } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { AWSXRayIdGenerator } from "@opentelemetry/id-generator-aws-xray";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { DocumentLoadInstrumentation } from "@opentelemetry/instrumentation-document-load";
import { FetchInstrumentation } from "@opentelemetry/instrumentation-fetch";
import { BatchSpanProcessor, WebTracerProvider } from "@opentelemetry/sdk-trace-web";
import { InteractionContextManager, InteractionTracker } from "@/lib/telemetry/browser/interactions";
import { PrivacySpanProcessor, routeTemplate } from "@/lib/telemetry/browser/privacy";

/** Where the page sends its spans (app/api/telemetry/v1/traces/route.ts). */
export const TRACES_PATH = "/api/telemetry/v1/traces";

/** A performance mark the browser tests wait for before they click. */
export const STARTED_MARK = "browser-telemetry-started";

/** Next.js's own requests (router prefetches and refreshes, chunks) and our exports are not traced. */
const IGNORED_URLS = [/\/_next\//, /[?&]_rsc=/, /\/api\/telemetry\//];

/**
 * Names a Server Action's span after the action (other fetches are named after
 * their route template on export). A Server Action is a POST to the page itself
 * with a `Next-Action` id header; the click tells which form sent it.
 */
function nameServerAction(span: Span, request: Request | RequestInit, action: string | undefined): void {
  if (!new Headers(request.headers).has("next-action")) return;
  span.updateName(`server_action ${action ?? "unknown"}`);
  span.setAttribute("app.action", action ?? "unknown");
}

/** Starts browser tracing: document load, fetches, Server Actions and the clicks behind them. */
export function startBrowserTelemetry(): void {
  const origin = location.origin;
  const tracker = new InteractionTracker(() => trace.getTracer("nextjs-browser"));
  const exporter = new OTLPTraceExporter({ url: new URL(TRACES_PATH, origin).href });
  const provider = new WebTracerProvider({
    // X-Ray ids (epoch seconds first), as on the server: X-Ray refuses other trace ids.
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [
      tracker.processor,
      new PrivacySpanProcessor(
        new BatchSpanProcessor(exporter, { maxExportBatchSize: 64, scheduledDelayMillis: 2000 }),
        origin,
      ),
    ],
  });
  // The default propagator is W3C trace context (+ baggage, which we never set).
  provider.register({ contextManager: new InteractionContextManager(tracker) });

  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new DocumentLoadInstrumentation({
        applyCustomAttributesOnSpan: {
          documentLoad: (span) => span.updateName(`document_load ${routeTemplate(location.pathname)}`),
        },
      }),
      new FetchInstrumentation({
        ignoreUrls: IGNORED_URLS,
        // No CORS URLs: the W3C header goes to this origin only, never to another.
        propagateTraceHeaderCorsUrls: [],
        requestHook: (span, request) => nameServerAction(span, request, tracker.activeAction()),
      }),
    ],
  });
  document.addEventListener("click", tracker.onClick, { capture: true });
  performance.mark(STARTED_MARK);
}
