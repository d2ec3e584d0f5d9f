import "server-only";
// The relay's way to the collector: the same OTLP endpoint the server's own SDK
// exports to (OTEL_EXPORTER_OTLP_*), so browser spans take the sidecar's path.

const FORWARD_TIMEOUT_MS = 5000;

/** The collector's OTLP/HTTP traces URL, by the OpenTelemetry exporter rules. */
function tracesUrl(): string {
  const signal = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (signal) return signal;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "http://localhost:4318";
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

/** Sends an OTLP JSON trace export to the collector; its HTTP status, or 0 when it did not answer. */
export async function forwardTraces(json: string): Promise<number> {
  try {
    const response = await fetch(tracesUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json,
      cache: "no-store",
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}
