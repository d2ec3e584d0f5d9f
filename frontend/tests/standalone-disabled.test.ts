// The off switch on the built server: with OTEL_SDK_DISABLED=true, page renders
// and proxied calls work, nothing is exported (not even through the SIGTERM
// flush), no connection ever reaches the OTLP endpoint, and no trace context is
// sent to the backend.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRig, startRig, stopStandalone, type RecordingServer, type Standalone } from "./standalone";

const PAGE_LOADS = 10;

describe("standalone server with OTEL_SDK_DISABLED=true", () => {
  let collector: RecordingServer;
  let backend: RecordingServer;
  let standalone: Standalone;

  beforeAll(async () => {
    ({ collector, backend, standalone } = await startRig({
      // Short delays: were the SDK running, it would export during the test too.
      env: { OTEL_SDK_DISABLED: "true", OTEL_BSP_SCHEDULE_DELAY: "100", OTEL_METRIC_EXPORT_INTERVAL: "100" },
    }));
  }, 30000);

  afterAll(() => closeRig({ collector, backend, standalone }));

  it("renders pages and proxies calls without sending trace context", async () => {
    for (let i = 0; i < PAGE_LOADS; i += 1) expect((await fetch(`${standalone.baseUrl}/`)).status).toBe(200);
    const proxied = await fetch(`${standalone.baseUrl}/api/todos`, {
      headers: { traceparent: "00-6a1b2c3d4e5f60718293a4b5c6d7e8f9-1122334455667788-01" },
    });
    expect(proxied.status).toBe(200);
    // Each render calls the backend (the list and its counts), the proxy once more.
    expect(backend.requests.length).toBeGreaterThanOrEqual(PAGE_LOADS + 1);
    for (const call of backend.requests) {
      expect(call.headers.traceparent).toBeUndefined();
      expect(call.headers["x-amzn-trace-id"]).toBeUndefined();
    }
  });

  it("exports nothing and never connects to the OTLP endpoint, even on SIGTERM", async () => {
    await stopStandalone(standalone);
    expect(collector.requests).toEqual([]);
    expect(collector.seen.connections).toBe(0);
  });
});
