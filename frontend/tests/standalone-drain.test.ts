// The SIGTERM drain on the built server, against a client that keeps one
// keep-alive connection busy (as the drills' load and a load balancer do): once
// draining, each answer closes its connection, so the drain ends when the client
// has its answer instead of at the drain's deadline, and the telemetry flush
// that follows is not cut off by the supervisor's SIGKILL.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRig, pollUntil, startRig, type RecordingServer, type Standalone } from "./standalone";

// The backend stand-in never answers for this todo: a request in flight at SIGTERM.
const SLOW_ID = 999;

describe("standalone server drain", () => {
  let collector: RecordingServer;
  let backend: RecordingServer;
  let standalone: Standalone;

  beforeAll(async () => {
    ({ collector, backend, standalone } = await startRig({
      backend: (_method, url) => (url === `/api/todos/${SLOW_ID}` ? "hang" : { status: 200, body: "[]" }),
    }));
  }, 30000);

  afterAll(() => closeRig({ collector, backend, standalone }));

  it("closes a kept-alive connection once its request in flight is answered", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let refused = false;
    const get = (path: string) =>
      new Promise<number>((resolve) => {
        const request = http.get(`${standalone.baseUrl}${path}`, { agent }, (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        });
        request.on("error", () => {
          refused = true;
          resolve(0);
        });
      });
    expect([await get("/api/health"), await get("/api/health")]).toEqual([200, 200]);

    // In flight at the signal: the backend stand-in never answers, the proxy gives up.
    const inFlight = get(`/api/todos/${SLOW_ID}`);
    await pollUntil(
      () => backend.requests.some((r) => r.path === `/api/todos/${SLOW_ID}`),
      "the slow request to reach the backend",
    );
    standalone.process.kill("SIGTERM");
    expect(await inFlight).toBe(504);
    // The client keeps its connection busy, as a load balancer would.
    const answeredAfter: number[] = [];
    while (!refused && answeredAfter.length < 20) {
      const status = await get("/api/health");
      if (status !== 0) answeredAfter.push(status);
    }
    agent.destroy();

    // Without the fix the connection stays open and serves request after request
    // until the drain's 10 s deadline; with it, at most one more answer (one that
    // raced the close) before the client finds the server gone.
    expect(answeredAfter.length).toBeLessThanOrEqual(1);
    await pollUntil(() => standalone.process.exitCode !== null, "the server to exit after its drain");
    expect(collector.requests.some((r) => r.path === "/v1/traces")).toBe(true);
  });
});
