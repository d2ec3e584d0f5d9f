// The bench's stock peer on the built server: with BENCH_TELEMETRY_SETUP=stock the
// same build runs @vercel/otel's defaults instead of ours, and its spans reach the
// same OTLP endpoint; a value it does not know stops the server at once, so that a
// bench never measures ours by mistake.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRig, pollUntil, spawnStandalone, startRig, type RecordingServer, type Standalone } from "./standalone";

describe("standalone server with BENCH_TELEMETRY_SETUP=stock", () => {
  let collector: RecordingServer;
  let backend: RecordingServer;
  let standalone: Standalone;

  beforeAll(async () => {
    ({ collector, backend, standalone } = await startRig({
      // The stock set-up hands back nothing to flush on SIGTERM: spans must leave on their own.
      env: { BENCH_TELEMETRY_SETUP: "stock", OTEL_BSP_SCHEDULE_DELAY: "100" },
    }));
  }, 30000);

  afterAll(() => closeRig({ collector, backend, standalone }));

  it("exports the page's spans as @vercel/otel's defaults make them", async () => {
    expect((await fetch(`${standalone.baseUrl}/`)).status).toBe(200);
    const traceparent = String(backend.requests.at(-1)?.headers.traceparent);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceId = Buffer.from(traceparent.split("-")[1] ?? "", "hex");
    const exported = () => Buffer.concat(collector.requests.filter((r) => r.path === "/v1/traces").map((r) => r.body));

    await pollUntil(() => exported().includes(traceId), "the page's trace at the OTLP endpoint");

    // OTLP protobuf carries strings verbatim and ids as raw bytes.
    const bytes = exported();
    expect(bytes.includes("nextjs-app")).toBe(true);
    expect(bytes.includes("BaseServer.handleRequest")).toBe(true);
    // Ours would drop Next.js's internal steps (lib/telemetry/span-filter.ts); stock keeps them.
    expect(bytes.includes("NextNodeServer.findPageComponents")).toBe(true);
  });

  it("stops at start, naming the variable, on a value it does not know", async () => {
    const bad = await spawnStandalone({
      backendUrl: backend.url,
      collectorUrl: collector.url,
      env: { BENCH_TELEMETRY_SETUP: "vercel" },
    });
    try {
      await pollUntil(() => bad.process.exitCode !== null, "the server to exit on an unknown set-up");
    } finally {
      if (bad.process.exitCode === null) bad.process.kill("SIGKILL");
    }
    expect(bad.process.exitCode).toBe(1);
    expect(bad.output()).toContain('BENCH_TELEMETRY_SETUP must be \\"ours\\" or \\"stock\\", not \\"vercel\\"');
  }, 30000);
});
