// The request-duration metric derived from Next.js's request root span.
import { describe, expect, it } from "vitest";
import { HttpServerDurationProcessor, requestMeasurement, statusClass } from "@/lib/telemetry/http-metrics";

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
    const processor = new HttpServerDurationProcessor(histogram);
    processor.onEnd({ attributes: root, duration: [0, 250_000_000] });
    processor.onEnd({ attributes: { "next.span_type": "Other" }, duration: [0, 1] });
    expect(points).toEqual([
      [0.25, { "http.request.method": "GET", "http.route": "/api/todos/[id]", "http.response.status_class": "4xx" }],
    ]);
  });
});
