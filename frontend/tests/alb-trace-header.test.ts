// The ALB's X-Amzn-Trace-Id through a real tracer provider: a Root-only header
// makes a new root span in the ALB's trace; the full form keeps its parent.
import { context, propagation, ROOT_CONTEXT, trace, type TextMapGetter } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ALB_TRACE_ROOT,
  AlbRootIdGenerator,
  AlbTraceHeaderPropagator,
  rootTraceId,
} from "@/lib/telemetry/alb-trace-header";

const ROOT = "1-5759e988-bd862e3fe1be46a994272793";
const ROOT_ID = "5759e988bd862e3fe1be46a994272793";

const headers: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

describe("rootTraceId", () => {
  it("reads the Root field in any position", () => {
    expect(rootTraceId(`Root=${ROOT}`)).toBe(ROOT_ID);
    expect(rootTraceId(`Self=1-67891234-12456789abcdef012345678;Root=${ROOT}`)).toBe(ROOT_ID);
    expect(rootTraceId(`Root=1-5759E988-BD862E3FE1BE46A994272793;Sampled=?`)).toBe(ROOT_ID);
  });

  it("refuses malformed roots", () => {
    expect(rootTraceId("Root=1-5759e988-bd862e3fe1be46a99427279")).toBeUndefined();
    expect(rootTraceId("Root=2-5759e988-bd862e3fe1be46a994272793")).toBeUndefined();
    expect(rootTraceId("Root=1-00000000-000000000000000000000000")).toBeUndefined();
    expect(rootTraceId(`NotRoot=${ROOT}`)).toBeUndefined();
  });
});

describe("AlbTraceHeaderPropagator with AlbRootIdGenerator", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    idGenerator: new AlbRootIdGenerator(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });

  beforeAll(() => provider.register({ propagator: new AlbTraceHeaderPropagator() }));
  afterEach(() => exporter.reset());

  /** Starts and ends a span inside the context extracted from `carrier`, as Next.js does. */
  function requestSpan(carrier: Record<string, string>) {
    const extracted = propagation.extract(ROOT_CONTEXT, carrier, headers);
    context.with(extracted, () => provider.getTracer("test").startSpan("request").end());
    const [span] = exporter.getFinishedSpans();
    if (!span) throw new Error("no span was finished");
    return { extracted, span };
  }

  it("makes a Root-only header's Root the trace id of a new root span", () => {
    const { extracted, span } = requestSpan({ "x-amzn-trace-id": `Root=${ROOT}` });
    expect(extracted.getValue(ALB_TRACE_ROOT)).toBe(ROOT_ID);
    expect(span.spanContext().traceId).toBe(ROOT_ID);
    expect(span.parentSpanContext).toBeUndefined();
  });

  it("keeps the parent of a full Root;Parent;Sampled header", () => {
    const { extracted, span } = requestSpan({
      "X-Amzn-Trace-Id": `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`,
    });
    expect(extracted.getValue(ALB_TRACE_ROOT)).toBeUndefined();
    expect(span.spanContext().traceId).toBe(ROOT_ID);
    expect(span.parentSpanContext?.spanId).toBe("53995c3f42cd8ad8");
  });

  it("starts an X-Ray trace id of its own without a header or with a malformed one", () => {
    const carriers: Record<string, string>[] = [{}, { "x-amzn-trace-id": "Root=1-nothex!!-bd862e3fe1be46a994272793" }];
    for (const carrier of carriers) {
      const before = Math.floor(Date.now() / 1000);
      const { span } = requestSpan(carrier);
      exporter.reset();
      expect(span.spanContext().traceId).not.toBe(ROOT_ID);
      expect(parseInt(span.spanContext().traceId.slice(0, 8), 16)).toBeGreaterThanOrEqual(before - 1);
      expect(span.parentSpanContext).toBeUndefined();
    }
  });

  it("injects the full header into outgoing calls", () => {
    const carrier: Record<string, string> = {};
    const extracted = propagation.extract(ROOT_CONTEXT, { "x-amzn-trace-id": `Root=${ROOT}` }, headers);
    context.with(extracted, () => {
      const span = provider.getTracer("test").startSpan("request");
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      span.end();
    });
    expect(carrier["x-amzn-trace-id"]).toMatch(new RegExp(`^Root=${ROOT};Parent=[0-9a-f]{16};Sampled=1$`));
  });
});
