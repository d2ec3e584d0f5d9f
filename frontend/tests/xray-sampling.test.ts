// The X-Ray remote sampler against the recorded awsproxy responses: the rules'
// FixedRate decides the sampled share of root requests, a changed rule is followed
// by the same sampler without a restart, and with no rules it falls back to
// X-Ray's default of 1 request/s then 5 %.
//
// Fake timers drive the sampler's pollers (setInterval) and clock (Date); the
// HTTP calls and the polling of conditions use real time, so the tests wait for
// what the sampler does, never for a fixed delay.
import { resourceFromAttributes } from "@opentelemetry/resources";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { xraySampling, type XRaySampling } from "@/lib/telemetry/sampling";
import { freePort, pollUntil } from "./standalone";
import {
  nextRequest,
  probeTraceId,
  sampled,
  sampledShare,
  stoppedAfterEach,
  tolerance,
  xrayProxy,
} from "./xray-proxy";

const RESOURCE = resourceFromAttributes({ "service.name": "nextjs-app" });
// A Server Action (POST to the page) and a page render, as Next.js starts their spans.
const SERVER_ACTION = nextRequest("POST", "/?after=MTIz");
const PAGE = nextRequest("GET", "/");
// Sampled at the write rule's recorded 0.5, not at 0.1 nor at the 5 % fallback.
const PROBE = probeTraceId(0.3);
// The sampler's target poll: every 10 s plus up to 0.1 s of jitter; the rules
// poll: the interval plus up to 5 s.
const TARGETS_POLL_MS = 10_100;
const RULES_POLL_MS = (interval: number) => interval * 1000 + 5_000;
// Each wait fails with its own message before the test's timeout would.
const WAIT_MS = 10_000;
const TEST_TIMEOUT = { timeout: 15_000 };

type Proxy = Awaited<ReturnType<typeof xrayProxy>>;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
});

afterEach(() => {
  vi.useRealTimers();
});
// Registered after useRealTimers so that it runs first (afterEach hooks run in
// reverse): the samplers' fake intervals are cleared before the clock goes.
const track = stoppedAfterEach();

/** The proxy with both rules at reservoir 0, so FixedRate alone decides. */
async function proxyWithoutReservoir() {
  const server = track(await xrayProxy());
  for (const record of server.documents.rules.SamplingRuleRecords) record.SamplingRule.ReservoirSize = 0;
  for (const target of server.documents.targets.SamplingTargetDocuments) target.ReservoirQuota = 0;
  return server;
}

/** The proxy (reservoir 0) and a sampler polling it that has loaded the recorded rules. */
async function loadedSampler(pollingIntervalSeconds: number) {
  const server = await proxyWithoutReservoir();
  const current = track(xraySampling({ endpoint: server.url, pollingIntervalSeconds }, RESOURCE));
  await pollUntil(() => sampled(current.sampler, SERVER_ACTION, PROBE), "the write rule (50 %) to be loaded", WAIT_MS);
  return { server, current };
}

/** Changes the write rule's rate at the fake clock's now, as an edit in the console would. */
function editWriteRule(server: Proxy, fixedRate: number): void {
  const modifiedAt = Math.floor(Date.now() / 1000) + 1;
  server.setRule("todo-writes", { FixedRate: fixedRate, ReservoirSize: 0 }, modifiedAt);
}

describe("X-Ray remote sampling through awsproxy", TEST_TIMEOUT, () => {
  it("samples each request at its rule's FixedRate", async () => {
    const { server, current } = await loadedSampler(300);

    const writes = sampledShare(current.sampler, SERVER_ACTION);
    const pages = sampledShare(current.sampler, PAGE);

    expect(Math.abs(writes - 0.5)).toBeLessThan(tolerance(0.5));
    expect(Math.abs(pages - 0.05)).toBeLessThan(tolerance(0.05));
    expect(server.rulesCalls()).toBe(1);
  });

  it("follows a changed rule at the next rules poll, without a restart", async () => {
    const { server, current } = await loadedSampler(10);
    editWriteRule(server, 0.1);

    vi.advanceTimersByTime(RULES_POLL_MS(10));
    await pollUntil(() => !sampled(current.sampler, SERVER_ACTION, PROBE), "the write rule's new 10 % to apply", WAIT_MS);

    expect(Math.abs(sampledShare(current.sampler, SERVER_ACTION) - 0.1)).toBeLessThan(tolerance(0.1));
    expect(server.rulesCalls()).toBeGreaterThanOrEqual(2);
  });

  it("refetches the rules when SamplingTargets reports a newer LastRuleModification", async () => {
    // Rules every 300 s: within the 10 s target poll only LastRuleModification can bring the change.
    const { server, current } = await loadedSampler(300);
    editWriteRule(server, 0.1);
    // The targets keep the old rate: the new one can only come from the refetched rule.
    server.documents.targets.SamplingTargetDocuments.find((t) => t.RuleName === "todo-writes")!.FixedRate = 0.5;

    vi.advanceTimersByTime(TARGETS_POLL_MS);
    await pollUntil(() => server.rulesCalls() >= 2, "GetSamplingRules after SamplingTargets", WAIT_MS);
    await pollUntil(() => !sampled(current.sampler, SERVER_ACTION, PROBE), "the write rule's new 10 % to apply", WAIT_MS);

    expect(Math.abs(sampledShare(current.sampler, SERVER_ACTION) - 0.1)).toBeLessThan(tolerance(0.1));
    const statistics = JSON.parse(server.requests.find((r) => r.path === "/SamplingTargets")!.body.toString());
    expect(statistics.SamplingStatisticsDocuments.map((d: { RuleName: string }) => d.RuleName).sort()).toEqual([
      "Default",
      "todo-writes",
    ]);
  });
});

describe("X-Ray sampling fallback", TEST_TIMEOUT, () => {
  /** Asserts X-Ray's default: one request in the second, then 5 % of the rest. */
  function expectOnePerSecondThenFivePercent(current: XRaySampling): void {
    vi.advanceTimersByTime(1000);
    const unlikely = probeTraceId(0.99);
    expect(sampled(current.sampler, SERVER_ACTION, unlikely)).toBe(true);
    expect(sampled(current.sampler, SERVER_ACTION, unlikely)).toBe(false);
    expect(sampled(current.sampler, SERVER_ACTION, probeTraceId(0.03))).toBe(true);
    expect(Math.abs(sampledShare(current.sampler, SERVER_ACTION) - 0.05)).toBeLessThan(tolerance(0.05));
  }

  it("samples 1 request/s then 5 % with nothing listening", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    expectOnePerSecondThenFivePercent(track(xraySampling({ endpoint, pollingIntervalSeconds: 300 }, RESOURCE)));
  });

  it("samples 1 request/s then 5 % when the proxy answers 500", async () => {
    const server = track(await xrayProxy());
    server.documents.status = 500;
    const current = track(xraySampling({ endpoint: server.url, pollingIntervalSeconds: 300 }, RESOURCE));
    await pollUntil(() => server.rulesCalls() >= 1, "the sampler's GetSamplingRules call", WAIT_MS);
    expectOnePerSecondThenFivePercent(current);
  });

  it("falls back once the rules are an hour old and cannot be refreshed", async () => {
    const { server, current } = await loadedSampler(300);
    server.documents.status = 500;

    // The clock alone moves: no poll runs, so the rules are not refreshed.
    vi.setSystemTime(Date.now() + 61 * 60 * 1000);

    expect(sampled(current.sampler, SERVER_ACTION, probeTraceId(0.99))).toBe(true);
    expect(sampled(current.sampler, SERVER_ACTION, PROBE)).toBe(false);
  });
});
