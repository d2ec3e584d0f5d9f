// What the X-Ray rules can match on in nextjs-app: the method, path and Host of a
// request as Next.js starts its span (http.method, http.target, the headers it
// extracts), read through a real tracer provider and the real remote sampler.
import {
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type Context,
} from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  SamplingDecision,
  SimpleSpanProcessor,
  type Sampler,
  type SamplingResult,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { describe, expect, it } from "vitest";
import { hostName, RequestAttributesSampler, RequestHostPropagator, xraySampling } from "@/lib/telemetry/sampling";
import { pollUntil } from "./standalone";
import { nextRequest, stoppedAfterEach, xrayProxy } from "./xray-proxy";

/** Samples everything, keeping the attributes it was asked about; echoes them back as contrib samplers do. */
class RecordingSampler implements Sampler {
  seen: Attributes[] = [];
  shouldSample(_ctx: Context, _traceId: string, _name: string, _kind: SpanKind, attributes: Attributes): SamplingResult {
    this.seen.push(attributes);
    return { decision: SamplingDecision.RECORD_AND_SAMPLED, attributes };
  }
}

/** Starts and ends a request span as Next.js does: in the context extracted from the headers. */
function request(provider: NodeTracerProvider, headers: Record<string, string>, method: string, target: string) {
  const extracted = new RequestHostPropagator().extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const options = { kind: SpanKind.SERVER, attributes: nextRequest(method, target) };
  // Next.js makes the extracted context active; no context manager is registered here, so pass it.
  const span = provider.getTracer("next.js").startSpan(method, options, extracted);
  span.end();
  return span.spanContext();
}

function providerWith(sampler: Sampler) {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { provider, exporter };
}

const track = stoppedAfterEach();

describe("hostName", () => {
  it("keeps the host of a Host header, without its port", () => {
    expect(hostName("todo.example.com:3000")).toBe("todo.example.com");
    expect(hostName("TODO.example.com")).toBe("todo.example.com");
    expect(hostName("[::1]:3000")).toBe("::1");
    expect(hostName("a b")).toBeUndefined();
  });
});

describe("RequestAttributesSampler", () => {
  it("shows the sampler the stable method, path and host of a Next.js request span", () => {
    const recording = new RecordingSampler();
    const { provider } = providerWith(new RequestAttributesSampler(recording));

    request(provider, { host: "todo.example.com:3000" }, "POST", "/api/todos/7?cursor=abc#top");

    expect(recording.seen[0]).toMatchObject({
      "http.request.method": "POST",
      "url.path": "/api/todos/7",
      "server.address": "todo.example.com",
      "http.method": "POST",
      "http.target": "/api/todos/7?cursor=abc#top",
    });
  });

  it("leaves stable attributes that are already there, and adds no host without a Host header", () => {
    const recording = new RecordingSampler();
    const sampler = new RequestAttributesSampler(recording);

    sampler.shouldSample(ROOT_CONTEXT, "0".repeat(31) + "1", "GET", SpanKind.SERVER, {
      ...nextRequest("GET", "/?after=x"),
      "http.request.method": "HEAD",
      "url.path": "/kept",
    }, []);

    expect(recording.seen[0]).toMatchObject({ "http.request.method": "HEAD", "url.path": "/kept" });
    expect(recording.seen[0]).not.toHaveProperty("server.address");
  });

  it("keeps the exported span's attributes as Next.js set them", async () => {
    const { provider, exporter } = providerWith(new RequestAttributesSampler(new RecordingSampler()));

    request(provider, { host: "todo.example.com" }, "GET", "/?after=x");

    await provider.forceFlush();
    expect(exporter.getFinishedSpans()[0]?.attributes).toEqual(nextRequest("GET", "/?after=x"));
  });
});

describe("RequestAttributesSampler on an unsampled request", () => {
  it("records the request span for the request metric, without sampling or exporting it", async () => {
    const { provider, exporter } = providerWith(new RequestAttributesSampler(new AlwaysOffSampler()));
    const tracer = provider.getTracer("next.js");

    const span = tracer.startSpan("GET /", { kind: SpanKind.SERVER, attributes: nextRequest("GET", "/") });
    const child = tracer.startSpan("render", {}, trace.setSpan(ROOT_CONTEXT, span));
    const other = tracer.startSpan("other", { attributes: { "next.span_type": "AppRender.getBodyResult" } });

    expect([span.isRecording(), span.spanContext().traceFlags]).toEqual([true, 0]);
    expect(child.isRecording()).toBe(false);
    expect(other.isRecording()).toBe(false);
    span.end();
    await provider.forceFlush();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

describe("X-Ray rules on Next.js requests", { timeout: 15_000 }, () => {
  it("match a rule's Host, HTTPMethod and URLPath", async () => {
    const proxy = track(await xrayProxy());
    const [writes, fallback] = proxy.documents.rules.SamplingRuleRecords.map((record) => record.SamplingRule);
    Object.assign(writes!, { Host: "todo.example.com", HTTPMethod: "PUT", URLPath: "/api/todos/*", FixedRate: 1, ReservoirSize: 0 });
    Object.assign(fallback!, { FixedRate: 0, ReservoirSize: 0 });
    const current = track(
      xraySampling({ endpoint: proxy.url, pollingIntervalSeconds: 300 }, resourceFromAttributes({ "service.name": "nextjs-app" })),
    );
    const { provider } = providerWith(current.sampler);
    const host = { host: "todo.example.com:443" };
    const put = () => request(provider, host, "PUT", "/api/todos/7").traceFlags === 1;
    // Twenty in a row: the fallback (1/s, then 5 %) cannot do that before the rules arrive.
    const ruleApplies = () => Array.from({ length: 20 }, put).every(Boolean);
    await pollUntil(ruleApplies, "the rule for PUT todo.example.com/api/todos/* to be loaded", 10_000);

    expect(request(provider, { host: "other.example.com" }, "PUT", "/api/todos/7").traceFlags).toBe(0);
    expect(request(provider, host, "DELETE", "/api/todos/7").traceFlags).toBe(0);
    expect(request(provider, host, "PUT", "/api/health").traceFlags).toBe(0);
    expect(request(provider, host, "PUT", "/api/todos/8?x=1").traceFlags).toBe(1);
  });
});
