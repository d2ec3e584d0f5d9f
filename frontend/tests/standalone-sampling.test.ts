// X-Ray sampling on the built server: with OTEL_TRACES_SAMPLER=xray the
// standalone server fetches the rules from the recorded awsproxy, and a rule on
// method, path and Host decides which of Next.js's request spans are sampled
// (seen in the sampled flag of the traceparent it sends to the backend); a parent's
// decision still wins; a bad OTEL_TRACES_SAMPLER_ARG stops the start.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  pollUntil,
  recordingServer,
  spawnStandalone,
  startStandalone,
  type RecordingServer,
  type Standalone,
} from "./standalone";
import { xrayProxy } from "./xray-proxy";

const TRACE_ID = "6a1b2c3d4e5f60718293a4b5c6d7e8f9";

describe("standalone server with OTEL_TRACES_SAMPLER=xray", () => {
  let collector: RecordingServer;
  let backend: RecordingServer;
  let proxy: Awaited<ReturnType<typeof xrayProxy>>;
  let standalone: Standalone;

  /** The sampled flag ("01" or "00") of the backend call a GET of `path` causes. */
  async function flag(path: string, headers: Record<string, string> = {}): Promise<string | undefined> {
    expect((await fetch(`${standalone.baseUrl}${path}`, { headers })).status).toBe(200);
    const traceparent = backend.requests.at(-1)?.headers.traceparent;
    return typeof traceparent === "string" ? traceparent.slice(-2) : undefined;
  }

  beforeAll(async () => {
    collector = await recordingServer(() => ({ status: 200, body: "{}" }));
    backend = await recordingServer(() => ({ status: 200, body: "[]" }));
    proxy = await xrayProxy();
    const [rule, fallback] = proxy.documents.rules.SamplingRuleRecords.map((record) => record.SamplingRule);
    // One todo's reads on this host, always; nothing else.
    Object.assign(rule!, {
      RuleName: "todo-item-reads",
      HTTPMethod: "GET",
      URLPath: "/api/todos/*",
      Host: "127.0.0.1",
      ServiceName: "nextjs-app",
      FixedRate: 1,
      ReservoirSize: 0,
    });
    Object.assign(fallback!, { FixedRate: 0, ReservoirSize: 0 });
    standalone = await startStandalone({
      backendUrl: backend.url,
      collectorUrl: collector.url,
      env: { OTEL_TRACES_SAMPLER: "xray", OTEL_TRACES_SAMPLER_ARG: `endpoint=${proxy.url},polling_interval=300` },
    });
  }, 30000);

  afterAll(() => {
    if (standalone.process.exitCode === null) standalone.process.kill("SIGKILL");
    collector.close();
    backend.close();
    proxy.close();
  });

  it("samples the requests the rule matches and no others", async () => {
    // Five in a row: the fallback (1/s, then 5 %) cannot do that before the rules arrive.
    const ruleApplies = async () => {
      for (let i = 0; i < 5; i += 1) if ((await flag(`/api/todos/${i + 1}`)) !== "01") return false;
      return true;
    };
    await pollUntil(ruleApplies, "the rule for GET 127.0.0.1/api/todos/* to sample every request", 15_000);

    expect(proxy.rulesCalls()).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 5; i += 1) expect(await flag("/api/todos")).toBe("00");
    expect(await flag("/api/todos/9?cursor=x")).toBe("01");
  }, 30000);

  it("keeps an incoming parent's decision over the rules", async () => {
    expect(await flag("/api/todos", { traceparent: `00-${TRACE_ID}-1122334455667788-01` })).toBe("01");
    expect(await flag("/api/todos/7", { traceparent: `00-${TRACE_ID}-1122334455667788-00` })).toBe("00");
  });
});

describe("standalone server with a bad OTEL_TRACES_SAMPLER_ARG", () => {
  it("exits 1 at startup, naming the variable", async () => {
    const standalone = await spawnStandalone({
      backendUrl: "http://127.0.0.1:9",
      collectorUrl: "http://127.0.0.1:9",
      env: { OTEL_TRACES_SAMPLER: "xray", OTEL_TRACES_SAMPLER_ARG: "polling_interval=abc" },
    });
    try {
      await pollUntil(() => standalone.process.exitCode !== null, "the server to exit on a bad sampler setting");
    } finally {
      if (standalone.process.exitCode === null) standalone.process.kill("SIGKILL");
    }

    expect(standalone.process.exitCode).toBe(1);
    expect(standalone.output()).toContain(
      'OTEL_TRACES_SAMPLER_ARG (for OTEL_TRACES_SAMPLER=xray): polling_interval \\"abc\\" must be a positive number',
    );
  }, 30000);
});
