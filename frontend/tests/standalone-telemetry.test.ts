// Telemetry survives the standalone build: start `.next/standalone/server.js`
// exactly as the container does, with an OTLP/HTTP receiver and a backend stand-in
// (both tiny servers inside this test, recording what reaches them), then check
// that spans and metrics arrive, that trace context is propagated to the backend,
// and that SIGTERM flushes what the batch processor still holds. The proxy's
// timeout and body limit are checked on the same built server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRig, formFields, startRig, stopStandalone, type RecordingServer, type Standalone } from "./standalone";

// The backend stand-in never answers for this todo, to exercise the proxy's timeout.
const SLOW_ID = 999;

const CREATED = {
  id: 1,
  title: "standalone",
  completed: false,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("standalone server telemetry", () => {
  let collector: RecordingServer;
  let backend: RecordingServer;
  let standalone: Standalone;
  let baseUrl: string;

  beforeAll(async () => {
    ({ collector, backend, standalone } = await startRig({
      backend: (method, url) => {
        if (url === `/api/todos/${SLOW_ID}`) return "hang";
        return method === "POST" ? { status: 201, body: JSON.stringify(CREATED) } : { status: 200, body: "[]" };
      },
    }));
    baseUrl = standalone.baseUrl;
  }, 30000);

  afterAll(() => closeRig({ collector, backend, standalone }));

  it("continues an incoming traceparent into the backend call", async () => {
    const traceId = "6a1b2c3d4e5f60718293a4b5c6d7e8f9";
    const response = await fetch(`${baseUrl}/api/todos`, {
      headers: { traceparent: `00-${traceId}-1122334455667788-01` },
    });
    expect(response.status).toBe(200);
    const call = backend.requests.at(-1);
    expect(call?.path).toBe("/api/todos/");
    expect(call?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(call?.headers["x-amzn-trace-id"]).toContain("Root=1-6a1b2c3d-4e5f60718293a4b5c6d7e8f9");
  });

  it("continues an incoming X-Amzn-Trace-Id into the backend call", async () => {
    await fetch(`${baseUrl}/api/todos/7`, {
      headers: { "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1" },
    });
    const call = backend.requests.at(-1);
    expect(call?.path).toBe("/api/todos/7");
    expect(call?.headers.traceparent).toMatch(/^00-5759e988bd862e3fe1be46a994272793-[0-9a-f]{16}-01$/);
  });

  it("makes the load balancer's Root-only X-Amzn-Trace-Id the request's trace id", async () => {
    // What an ALB sends on a new request: a Root, no Parent, no Sampled.
    const epoch = Math.floor(Date.now() / 1000).toString(16);
    const unique = "a1b2c3d4e5f60718293a4b5c";
    await fetch(`${baseUrl}/api/todos/8`, { headers: { "x-amzn-trace-id": `Root=1-${epoch}-${unique}` } });
    const call = backend.requests.at(-1);
    expect(call?.path).toBe("/api/todos/8");
    expect(call?.headers.traceparent).toMatch(new RegExp(`^00-${epoch}${unique}-[0-9a-f]{16}-01$`));
    expect(call?.headers["x-amzn-trace-id"]).toMatch(new RegExp(`^Root=1-${epoch}-${unique};Parent=`));
  });

  it("starts X-Ray-compatible traces for a page render", async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await fetch(`${baseUrl}/`);
    expect(response.status).toBe(200);
    const traceparent = backend.requests.at(-1)?.headers.traceparent;
    const traceId = String(traceparent).split("-")[1] ?? "";
    // X-Ray wants the first 32 bits of a trace id to be the start time in epoch seconds.
    const epoch = parseInt(traceId.slice(0, 8), 16);
    expect(epoch).toBeGreaterThanOrEqual(before - 1);
    expect(epoch).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
  });

  it("answers 504 when the backend does not answer in time", async () => {
    const response = await fetch(`${baseUrl}/api/todos/${SLOW_ID}`);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ detail: "The todo service did not answer in time." });
  });

  it("refuses a body over 64 KiB with 413 without calling the backend", async () => {
    const before = backend.requests.length;
    const response = await fetch(`${baseUrl}/api/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "x".repeat(64 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(backend.requests.length).toBe(before);
  });

  it("runs a Server Action posted without JavaScript and propagates its trace", async () => {
    const page = await (await fetch(`${baseUrl}/`)).text();
    const fields = formFields(page, "create-todo-form");
    expect([...fields.keys()]).toContain("$ACTION_KEY");
    fields.set("title", "  standalone  ");

    const response = await fetch(`${baseUrl}/`, { method: "POST", body: fields, redirect: "manual" });

    expect(response.status).toBe(200);
    const call = backend.requests.find((r) => r.path === "/api/todos/" && r.body.length > 0);
    expect(JSON.parse(call?.body.toString() ?? "{}")).toEqual({ title: "standalone" });
    expect(call?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("flushes spans and metrics over OTLP/HTTP when it gets SIGTERM", async () => {
    const pageCall = backend.requests.findLast((r) => r.path === "/api/todos/" && r.body.length === 0);
    const traceId = pageCall?.headers.traceparent?.toString().split("-")[1] ?? "";
    expect(collector.requests.filter((r) => r.path === "/v1/traces")).toHaveLength(0);

    await stopStandalone(standalone);

    const traces = collector.requests.filter((r) => r.path === "/v1/traces");
    const metrics = collector.requests.filter((r) => r.path === "/v1/metrics");
    expect(traces.length).toBeGreaterThan(0);
    expect(traces[0]?.headers["content-type"]).toBe("application/x-protobuf");
    const traceBytes = Buffer.concat(traces.map((r) => r.body));
    // OTLP protobuf carries strings verbatim and ids as raw bytes.
    expect(traceBytes.includes("nextjs-app")).toBe(true);
    expect(traceBytes.includes("server_action create")).toBe(true);
    expect(traceBytes.includes("GET /api/todos/{id}")).toBe(true);
    expect(traceBytes.includes(Buffer.from(traceId, "hex"))).toBe(true);
    const metricBytes = Buffer.concat(metrics.map((r) => r.body));
    expect(metricBytes.includes("http.server.request.duration")).toBe(true);
    expect(metricBytes.includes("http.response.status_class")).toBe(true);
    expect(metricBytes.includes("/api/todos/[id]")).toBe(true);
    expect(metricBytes.includes("app.server_action.invocations")).toBe(true);
    expect(metricBytes.includes("app.outcome")).toBe(true);
  });

  // Runs after the SIGTERM above. Next.js's handler closed the already drained server a
  // second time and logged the ERR_SERVER_NOT_RUNNING it got, with a stack trace.
  it("logs no error while it shuts down on SIGTERM", () => {
    expect(standalone.process.exitCode).not.toBeNull();
    expect(standalone.output()).not.toMatch(/ERR_SERVER_NOT_RUNNING|^Error|^\s+at /m);
  });
});
