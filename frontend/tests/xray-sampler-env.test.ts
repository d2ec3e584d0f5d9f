// OTEL_TRACES_SAMPLER=xray and its OTEL_TRACES_SAMPLER_ARG, in ADOT's
// `endpoint=<url>,polling_interval=<seconds>` form shared with fastapi-app.
import { resourceFromAttributes } from "@opentelemetry/resources";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  DEFAULT_ENDPOINT,
  DEFAULT_POLLING_INTERVAL_S,
  parseXRaySamplerArg,
  xraySamplingFromEnv,
} from "@/lib/telemetry/sampling";
import { pollUntil } from "./standalone";
import { stoppedAfterEach, xrayProxy } from "./xray-proxy";

const RESOURCE = resourceFromAttributes({ "service.name": "nextjs-app" });

const track = stoppedAfterEach();

afterEach(() => {
  vi.restoreAllMocks();
});

describe("parseXRaySamplerArg", () => {
  it("defaults to the sidecar's awsproxy and a 300 s rules poll", () => {
    expect(parseXRaySamplerArg(undefined)).toEqual({ endpoint: DEFAULT_ENDPOINT, pollingIntervalSeconds: 300 });
    expect(parseXRaySamplerArg("")).toEqual({ endpoint: "http://127.0.0.1:2000", pollingIntervalSeconds: 300 });
    expect(DEFAULT_POLLING_INTERVAL_S).toBe(300);
  });

  it("reads either key, in any order, with spaces and a trailing slash", () => {
    expect(parseXRaySamplerArg(" polling_interval = 60 , endpoint = http://localhost:2000/ ")).toEqual({
      endpoint: "http://localhost:2000",
      pollingIntervalSeconds: 60,
    });
    expect(parseXRaySamplerArg("polling_interval=42.5").pollingIntervalSeconds).toBe(42.5);
  });

  it("raises a polling interval under the sampler's 10 s minimum, with a warning", () => {
    const stdout = vi.spyOn(console, "log").mockImplementation(() => {});

    expect(parseXRaySamplerArg("polling_interval=1").pollingIntervalSeconds).toBe(10);

    const line = JSON.parse(String(stdout.mock.calls[0]?.[0]));
    expect(line).toMatchObject({ level: "WARN", variable: "OTEL_TRACES_SAMPLER_ARG", requested_s: 1, used_s: 10 });
  });

  it.each([
    ["endpoint=127.0.0.1:2000", /OTEL_TRACES_SAMPLER_ARG.*endpoint "127\.0\.0\.1:2000".*http:\/\//],
    ["endpoint=https://xray.us-east-1.amazonaws.com", /OTEL_TRACES_SAMPLER_ARG.*must be an http:\/\/ URL/],
    ["endpoint=not a url", /OTEL_TRACES_SAMPLER_ARG.*is not a URL/],
    ["polling_interval=0", /OTEL_TRACES_SAMPLER_ARG.*polling_interval "0" must be a positive number/],
    ["polling_interval=5m", /OTEL_TRACES_SAMPLER_ARG.*polling_interval "5m"/],
    ["polling_interval=-1", /OTEL_TRACES_SAMPLER_ARG.*polling_interval "-1"/],
    ["interval=60", /OTEL_TRACES_SAMPLER_ARG.*unknown key "interval"/],
    ["0.5", /OTEL_TRACES_SAMPLER_ARG.*"0\.5" is not key=value/],
    ["endpoint=", /OTEL_TRACES_SAMPLER_ARG.*"endpoint=" is not key=value/],
    ["polling_interval=60,polling_interval=30", /OTEL_TRACES_SAMPLER_ARG.*polling_interval given twice/],
  ])("refuses %s, naming the variable", (arg, message) => {
    expect(() => parseXRaySamplerArg(arg)).toThrow(message);
  });
});

describe("xraySamplingFromEnv", () => {
  it("builds the remote sampler with the ARG's endpoint and interval when OTEL_TRACES_SAMPLER=xray", async () => {
    const server = track(await xrayProxy());

    const sampling = xraySamplingFromEnv(
      { OTEL_TRACES_SAMPLER: "xray", OTEL_TRACES_SAMPLER_ARG: `endpoint=${server.url},polling_interval=45` },
      RESOURCE,
    );
    if (sampling) track(sampling);

    expect(sampling?.sampler.toString()).toContain(
      `_AWSXRayRemoteSampler{awsProxyEndpoint=${server.url}, rulePollingIntervalMillis=45000}`,
    );
    // Parent-based: the contrib wrapper puts ParentBased around the rule sampler.
    expect(sampling?.sampler.toString()).toContain("ParentBased{root=_AWSXRayRemoteSampler");
    await pollUntil(() => server.rulesCalls() >= 1, "GetSamplingRules at the ARG's endpoint", 10_000);
    expect(server.requests[0]).toMatchObject({ method: "POST", path: "/GetSamplingRules" });
  });

  it.each([undefined, "parentbased_always_on", "traceidratio", "always_off", "XRay", "aws_xray"])(
    "leaves OTEL_TRACES_SAMPLER=%s to the SDK",
    (value) => {
      // The ARG is not read for other samplers: a value that xray would refuse is fine.
      const env = { OTEL_TRACES_SAMPLER: value, OTEL_TRACES_SAMPLER_ARG: "0.25" };
      expect(xraySamplingFromEnv(env, RESOURCE)).toBeUndefined();
    },
  );

  it("refuses a bad ARG at startup when the sampler is xray", () => {
    expect(() =>
      xraySamplingFromEnv({ OTEL_TRACES_SAMPLER: "xray", OTEL_TRACES_SAMPLER_ARG: "0.25" }, RESOURCE),
    ).toThrow(/^OTEL_TRACES_SAMPLER_ARG \(for OTEL_TRACES_SAMPLER=xray\)/);
  });
});
