// The server's logger: one JSON line on stdout per record, carrying the active
// trace and span ids (X-Ray form, as the backend writes them), and the same
// record through the OpenTelemetry logs API. That API is a no-op until the SDK
// registers a logger provider, which it does only with OTEL_LOGS_EXPORTER=otlp
// (the OTLP pipeline): so both pipelines run this same code.
import { context, isSpanContextValid, trace } from "@opentelemetry/api";
import { logs, SeverityNumber } from "@opentelemetry/api-logs";

export type LogLevel = "info" | "warn" | "error";
/** Extra fields of a record: small values, never user text. */
export type LogFields = Record<string, string | number | boolean>;

const SEVERITY: Record<LogLevel, { number: SeverityNumber; text: string }> = {
  info: { number: SeverityNumber.INFO, text: "INFO" },
  warn: { number: SeverityNumber.WARN, text: "WARN" },
  error: { number: SeverityNumber.ERROR, text: "ERROR" },
};

/** A 32-hex-digit trace id as X-Ray and CloudWatch show it: 1-xxxxxxxx-x{24}. */
export function xrayTraceId(traceId: string): string {
  return `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
}

/** The stdout form of a record (exported for tests). */
export function logLine(level: LogLevel, message: string, fields: LogFields = {}): string {
  const entry: Record<string, string | number | boolean> = {
    time: new Date().toISOString(),
    level: SEVERITY[level].text,
    logger: "nextjs-app",
    message,
    ...fields,
  };
  const span = trace.getActiveSpan()?.spanContext();
  if (span && isSpanContextValid(span)) {
    entry.trace_id = xrayTraceId(span.traceId);
    entry.span_id = span.spanId;
  }
  return JSON.stringify(entry);
}

/** Logs one record to stdout and, on the OTLP pipeline, as an OpenTelemetry log record. */
export function log(level: LogLevel, message: string, fields: LogFields = {}): void {
  const line = logLine(level, message, fields);
  if (level === "error") console.error(line);
  else console.log(line);
  // The SDK reads the trace and span ids from the context.
  logs.getLogger("nextjs-app").emit({
    severityNumber: SEVERITY[level].number,
    severityText: SEVERITY[level].text,
    body: message,
    attributes: fields,
    context: context.active(),
  });
}
