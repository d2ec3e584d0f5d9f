// Clicks as trace roots: a click's requests become its children, and only clicks
// that caused a request are exported (real SDK, in-memory exporter, fake timers).
import { context, trace } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-web";
import { INTERACTION_WINDOW_MS, InteractionContextManager, InteractionTracker } from "@/lib/telemetry/browser/interactions";

let exporter: InMemorySpanExporter;
let tracker: InteractionTracker;
let manager: InteractionContextManager;

beforeEach(() => {
  vi.useFakeTimers();
  exporter = new InMemorySpanExporter();
  // The tracker asks for its tracer lazily: the provider needs the tracker's processor first.
  tracker = new InteractionTracker(() => provider.getTracer("test"));
  const provider = new BasicTracerProvider({ spanProcessors: [tracker.processor, new SimpleSpanProcessor(exporter)] });
  manager = new InteractionContextManager(tracker).enable();
  context.setGlobalContextManager(manager);
  trace.setGlobalTracerProvider(provider);
});

afterEach(() => {
  vi.useRealTimers();
  context.disable();
  trace.disable();
});

const click = () => tracker.onClick({ target: null } as unknown as Event);

describe("InteractionTracker", () => {
  it("makes a request started after an await within the window the click's child", async () => {
    click();
    await Promise.resolve();
    const request = trace.getTracer("test").startSpan("PUT"); // parent from the context manager
    vi.advanceTimersByTime(INTERACTION_WINDOW_MS + 1);
    request.end();

    const spans = exporter.getFinishedSpans();
    const [root, put] = ["click unknown", "PUT"].map((name) => spans.find((span) => span.name === name));
    expect(spans).toHaveLength(2);
    expect(put?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(root?.endTime).toEqual(put?.endTime);
  });

  it("exports no click that caused no request", () => {
    click();
    vi.advanceTimersByTime(INTERACTION_WINDOW_MS + 1);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("lets a request after the window start a trace of its own", () => {
    click();
    vi.advanceTimersByTime(INTERACTION_WINDOW_MS + 1);
    trace.getTracer("test").startSpan("GET").end();
    const [get] = exporter.getFinishedSpans();
    expect(get?.parentSpanContext).toBeUndefined();
  });
});
