// The server's logger: the stdout line and the OpenTelemetry log record both
// carry the active span's trace and span ids; without a logger provider (the
// classic pipeline) the same call only writes the line.
import { logs } from "@opentelemetry/api-logs";
import { trace } from "@opentelemetry/api";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { log, logLine, xrayTraceId } from "@/lib/log";

const exporter = new InMemoryLogRecordExporter();
const tracerProvider = new NodeTracerProvider();

beforeAll(() => {
  // register() also installs the async-hooks context manager that active spans need.
  tracerProvider.register();
});

afterAll(async () => {
  logs.disable();
  await tracerProvider.shutdown();
});

function inSpan<T>(run: (traceId: string, spanId: string) => T): T {
  return trace.getTracer("test").startActiveSpan("server_action create", (span) => {
    try {
      return run(span.spanContext().traceId, span.spanContext().spanId);
    } finally {
      span.end();
    }
  });
}

describe("log", () => {
  it("writes the X-Ray trace id and the span id into the stdout line", () => {
    const [line, traceId, spanId] = inSpan((t, s) => [logLine("info", "server action", { "app.action": "create" }), t, s]);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: "INFO", message: "server action", "app.action": "create" });
    expect(entry.trace_id).toBe(xrayTraceId(traceId));
    expect(entry.span_id).toBe(spanId);
  });

  it("writes no ids outside a span", () => {
    const entry = JSON.parse(logLine("warn", "idle")) as Record<string, unknown>;
    expect(entry.trace_id).toBeUndefined();
    expect(entry.level).toBe("WARN");
  });

  it("emits nothing through OpenTelemetry until a logger provider is registered", () => {
    const stdout = vi.spyOn(console, "log").mockImplementation(() => undefined);
    log("info", "before the SDK");
    expect(stdout).toHaveBeenCalledOnce();
    expect(exporter.getFinishedLogRecords()).toHaveLength(0);
    stdout.mockRestore();
  });

  it("emits a record with the active span's ids once the logs SDK is registered", () => {
    logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] }));
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const [traceId, spanId] = inSpan((t, s) => {
      log("error", "server action", { "app.action": "create", "app.outcome": "error" });
      return [t, s];
    });
    stderr.mockRestore();
    const [record] = exporter.getFinishedLogRecords();
    if (!record) throw new Error("no log record exported");
    expect(record.body).toBe("server action");
    expect(record.severityText).toBe("ERROR");
    expect(record.attributes).toEqual({ "app.action": "create", "app.outcome": "error" });
    expect(record.spanContext?.traceId).toBe(traceId);
    expect(record.spanContext?.spanId).toBe(spanId);
  });
});

it("formats a trace id the X-Ray way", () => {
  expect(xrayTraceId("5759e988bd862e3fe1be46a994272793")).toBe("1-5759e988-bd862e3fe1be46a994272793");
});
