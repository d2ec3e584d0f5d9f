// The browser-telemetry relay, called as Next.js calls it, forwarding to a real
// HTTP server that stands where the collector's OTLP receiver is.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/telemetry/v1/traces/route";
import { MAX_TELEMETRY_BODY_BYTES, RateLimiter } from "@/lib/telemetry/otlp-relay";

const received: { path: string; body: string }[] = [];
let collector: http.Server;

beforeAll(async () => {
  collector = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      received.push({ path: request.url ?? "", body });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const { port } = collector.address() as AddressInfo;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
});

afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

let clients = 0;

/** A request from a client of its own, so the rate limit of one test never touches another. */
function exportRequest(body: string, contentType = "application/json", client = `10.0.0.${++clients}`) {
  return new Request("http://localhost/api/telemetry/v1/traces", {
    method: "POST",
    headers: { "content-type": contentType, "x-forwarded-for": `203.0.113.9, ${client}` },
    body,
  });
}

function otlp(resource: { key: string; value: { stringValue: string } }[]): string {
  const span = { traceId: "6a1e0b2c" + "0".repeat(24), spanId: "1".repeat(16), name: "click create" };
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ spans: [span] }] }] });
}

describe("POST /api/telemetry/v1/traces", () => {
  it("rewrites a forged service.name to nextjs-browser and drops attributes a page may not set", async () => {
    const forged = otlp([
      { key: "service.name", value: { stringValue: "fastapi-app" } },
      { key: "cloud.account.id", value: { stringValue: "123456789012" } },
      { key: "telemetry.sdk.language", value: { stringValue: "webjs" } },
    ]);
    const before = received.length;

    const response = await POST(exportRequest(forged));

    expect(response.status).toBe(200);
    expect(received).toHaveLength(before + 1);
    const sent = received.at(-1)!;
    expect(sent.path).toBe("/v1/traces");
    const resource = JSON.parse(sent.body).resourceSpans[0].resource;
    expect(resource.attributes).toEqual([
      { key: "telemetry.sdk.language", value: { stringValue: "webjs" } },
      { key: "service.name", value: { stringValue: "nextjs-browser" } },
    ]);
    expect(JSON.parse(sent.body).resourceSpans[0].scopeSpans[0].spans[0].name).toBe("click create");
  });

  it("lets only the relay set X-Ray's naming attributes, naming the page's root spans nextjs-browser", async () => {
    const spans = [
      { spanId: "1".repeat(16), name: "click create", attributes: [{ key: "aws.local.service", value: { stringValue: "x" } }] },
      {
        spanId: "2".repeat(16),
        parentSpanId: "1".repeat(16),
        name: "PUT /api/todos/{id}",
        attributes: [{ key: "aws.remote.service", value: { stringValue: "fastapi-app" } }],
      },
    ];
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });

    expect((await POST(exportRequest(body))).status).toBe(200);

    const [root, child] = JSON.parse(received.at(-1)!.body).resourceSpans[0].scopeSpans[0].spans;
    expect(root.attributes).toEqual([
      { key: "aws.span.kind", value: { stringValue: "LOCAL_ROOT" } },
      { key: "aws.local.service", value: { stringValue: "nextjs-browser" } },
    ]);
    expect(child.attributes).toEqual([]);
  });

  it("answers 413 for a body over the limit and forwards nothing", async () => {
    const before = received.length;
    const response = await POST(exportRequest("x".repeat(MAX_TELEMETRY_BODY_BYTES + 1)));
    expect(response.status).toBe(413);
    expect(received).toHaveLength(before);
  });

  it("answers 415 for protobuf or form bodies", async () => {
    expect((await POST(exportRequest(otlp([]), "application/x-protobuf"))).status).toBe(415);
    const form = await POST(exportRequest("a=b", "application/x-www-form-urlencoded"));
    expect(form.status).toBe(415);
    expect(await form.json()).toEqual({ detail: expect.stringContaining("application/json") });
  });

  it("answers 400, never 500, for JSON that is not an OTLP export", async () => {
    expect((await POST(exportRequest("{not json"))).status).toBe(400);
    expect((await POST(exportRequest('{"resourceSpans": [1]}'))).status).toBe(400);
    expect((await POST(exportRequest('{"resourceSpans": [{"scopeSpans": [{"spans": "x"}]}]}'))).status).toBe(400);
  });

  it("answers 429 once one client has used its burst, while another client still gets through", async () => {
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push((await POST(exportRequest(otlp([]), undefined, "10.9.9.9"))).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses[10]).toBe(429);
    expect((await POST(exportRequest(otlp([])))).status).toBe(200);
  });

  it("answers 502 when the collector is unreachable", async () => {
    const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:9";
    try {
      expect((await POST(exportRequest(otlp([])))).status).toBe(502);
    } finally {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
    }
  });
});

describe("RateLimiter", () => {
  it("refills a client's bucket over time", () => {
    let now = 0;
    const limiter = new RateLimiter(60, 1, () => now);
    expect(limiter.take("a")).toBe(true);
    expect(limiter.take("a")).toBe(false);
    now += 1000;
    expect(limiter.take("a")).toBe(true);
  });
});
