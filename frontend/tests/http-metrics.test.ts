// The request-duration metric derived from Next.js's request root span.
import type { Meter } from "@opentelemetry/api";
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HttpServerDurationProcessor, requestMeasurement, statusClass } from "@/lib/telemetry/http-metrics";
import { histogramViews } from "@/lib/telemetry/sdk";

const root = {
  "next.span_type": "BaseServer.handleRequest",
  "http.method": "GET",
  "http.route": "/api/todos/[id]",
  "http.status_code": 404,
};

describe("statusClass", () => {
  it.each([
    [200, "2xx"],
    [204, "2xx"],
    [303, "3xx"],
    [413, "4xx"],
    [502, "5xx"],
    [0, "5xx"],
  ])("maps %i to %s", (status, expected) => {
    expect(statusClass(status)).toBe(expected);
  });
});

describe("requestMeasurement", () => {
  it("keeps exactly method, route template and status class", () => {
    expect(requestMeasurement(root, [1, 500_000_000])).toEqual({
      seconds: 1.5,
      attributes: {
        "http.request.method": "GET",
        "http.route": "/api/todos/[id]",
        "http.response.status_class": "4xx",
      },
    });
  });

  it("ignores spans that are not the request root", () => {
    expect(requestMeasurement({ ...root, "next.span_type": "AppRender.fetch" }, [0, 1])).toBeUndefined();
  });

  it("ignores requests without a route template (static assets)", () => {
    expect(requestMeasurement({ ...root, "http.route": undefined }, [0, 1])).toBeUndefined();
    expect(requestMeasurement({ ...root, "http.route": "/_next/static/x.js" }, [0, 1])).toBeUndefined();
  });
});

describe("HttpServerDurationProcessor", () => {
  it("records one point per request root span", () => {
    const points: Array<[number, unknown]> = [];
    const histogram = { record: (value: number, attributes?: unknown) => points.push([value, attributes]) };
    const meter = { createHistogram: () => histogram } as unknown as Meter;
    const processor = new HttpServerDurationProcessor(() => meter);
    processor.onEnd({ attributes: root, duration: [0, 250_000_000] });
    processor.onEnd({ attributes: { "next.span_type": "Other" }, duration: [0, 1] });
    expect(points).toEqual([
      [0.25, { "http.request.method": "GET", "http.route": "/api/todos/[id]", "http.response.status_class": "4xx" }],
    ]);
  });
});

describe("the request metric's aggregation", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** The data point type of one request recorded through a meter provider with sdk.ts's views. */
  async function exportedAs(aggregation: string) {
    vi.stubEnv("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", aggregation);
    const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600_000 });
    const provider = new MeterProvider({ views: histogramViews(), readers: [reader] });
    new HttpServerDurationProcessor(() => provider.getMeter("test")).onEnd({ attributes: root, duration: [0, 5_000_000] });
    await reader.forceFlush();
    await provider.shutdown();
    return exporter.getMetrics()[0]?.scopeMetrics[0]?.metrics[0]?.dataPointType;
  }

  it("is an exponential histogram when OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION asks for one", async () => {
    expect(await exportedAs("base2_exponential_bucket_histogram")).toBe(DataPointType.EXPONENTIAL_HISTOGRAM);
  });

  it("keeps its explicit buckets otherwise", async () => {
    expect(await exportedAs("explicit_bucket_histogram")).toBe(DataPointType.HISTOGRAM);
  });
});
