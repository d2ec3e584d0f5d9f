// Derives the contract metric `http.server.request.duration` from the root span
// Next.js opens for every request (`BaseServer.handleRequest`), which carries the
// route template, method and status once the response is sent. Deriving it from
// the span covers pages, Server Action posts and API routes without wrapping each.
import type { Attributes, Histogram, HrTime } from "@opentelemetry/api";

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

/** Seconds in an OpenTelemetry HrTime duration. */
export function hrTimeToSeconds([seconds, nanos]: HrTime): number {
  return seconds + nanos / 1e9;
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
    seconds: hrTimeToSeconds(duration),
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
  constructor(private readonly histogram: Histogram) {}

  /** Nothing to do when a span starts. */
  onStart(): void {}

  /** Records one measurement per finished request root span. */
  onEnd(span: FinishedSpan): void {
    const measurement = requestMeasurement(span.attributes, span.duration);
    if (measurement) this.histogram.record(measurement.seconds, measurement.attributes);
  }

  /** Nothing is buffered here: the meter provider flushes the histogram. */
  async forceFlush(): Promise<void> {}

  /** Nothing to release. */
  async shutdown(): Promise<void> {}
}
