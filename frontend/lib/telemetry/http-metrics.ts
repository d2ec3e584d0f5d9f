// Why not @opentelemetry/instrumentation-http's http.server.request.duration: it takes http.route from RPC metadata, which Next.js never sets, and it opens a second SERVER span per request (reproduce: grep -rl setRPCMetadata node_modules/next/dist | wc -l prints 0).
// Cost to keep: ~70 lines; on a Next.js upgrade check the attributes of its BaseServer.handleRequest span (tests/standalone-telemetry.test.ts reads the metric's route).
// Delete when: Next.js records http.server.request.duration itself, or sets the route where instrumentation-http reads it.
//
// Derives the contract metric `http.server.request.duration` from the root span
// Next.js opens for every request (`BaseServer.handleRequest`), which carries the
// route template, method and status once the response is sent: one processor
// covers pages, Server Action posts and API routes. With OTEL_TRACES_SAMPLER=xray
// every request span reaches it, sampled or not (sampling.ts records the unsampled
// ones without exporting them); under the SDK's own ratio samplers only the sampled share.
import { metrics, type Attributes, type Histogram, type HrTime, type Meter } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";

/** The histogram's name, unit and bucket bounds (seconds, as OpenTelemetry's HTTP conventions advise). */
export const HTTP_SERVER_DURATION = {
  name: "http.server.request.duration",
  unit: "s",
  description: "Duration of HTTP server requests handled by Next.js",
  buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
} as const;

/** `2xx`, `3xx`, `4xx` or `5xx` for an HTTP status (anything unusual counts as a server error). */
export function statusClass(status: number): "2xx" | "3xx" | "4xx" | "5xx" {
  if (status >= 200 && status < 300) return "2xx";
  if (status >= 300 && status < 400) return "3xx";
  if (status >= 400 && status < 500) return "4xx";
  return "5xx";
}

/** The measurement for a finished span, or undefined if it is not a Next.js request root span with a route. */
export function requestMeasurement(
  attributes: Attributes,
  duration: HrTime,
): { seconds: number; attributes: Attributes } | undefined {
  if (attributes["next.span_type"] !== "BaseServer.handleRequest") return undefined;
  const route = attributes["http.route"];
  const method = attributes["http.method"] ?? attributes["http.request.method"];
  const status = attributes["http.status_code"] ?? attributes["http.response.status_code"];
  // Static files and internal assets carry no route template: they are not part of the contract.
  if (typeof route !== "string" || !route.startsWith("/") || route.startsWith("/_next")) return undefined;
  if (typeof method !== "string" || typeof status !== "number") return undefined;
  return {
    seconds: hrTimeToMilliseconds(duration) / 1000,
    attributes: {
      "http.request.method": method,
      "http.route": route,
      "http.response.status_class": statusClass(status),
    },
  };
}

/** Minimal shape of a finished span, so this module needs no SDK import. */
type FinishedSpan = { attributes: Attributes; duration: HrTime };

/** A span processor that records the request-duration histogram when a request root span ends. */
export class HttpServerDurationProcessor {
  private histogram?: Histogram;

  /** `meter` is asked at the first request: NodeSDK registers the meter provider after the span processors exist. */
  constructor(private readonly meter: () => Meter = () => metrics.getMeter("nextjs-app")) {}

  /** Nothing to do when a span starts. */
  onStart(): void {}

  /** Records one measurement per finished request root span. */
  onEnd(span: FinishedSpan): void {
    const measurement = requestMeasurement(span.attributes, span.duration);
    if (!measurement) return;
    this.histogram ??= this.meter().createHistogram(HTTP_SERVER_DURATION.name, {
      unit: HTTP_SERVER_DURATION.unit,
      description: HTTP_SERVER_DURATION.description,
      advice: { explicitBucketBoundaries: [...HTTP_SERVER_DURATION.buckets] },
    });
    this.histogram.record(measurement.seconds, measurement.attributes);
  }

  /** Nothing is buffered here: the meter provider flushes the histogram. */
  async forceFlush(): Promise<void> {}

  /** Nothing to release. */
  async shutdown(): Promise<void> {}
}
