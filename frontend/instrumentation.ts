// Next.js calls register() once per server start. The OpenTelemetry SDK is
// loaded only in the Node.js runtime (the edge runtime has no async hooks).

/** Starts OpenTelemetry for the Node.js server. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startTelemetry, flushOnSignals } = await import("./lib/telemetry/sdk");
    flushOnSignals(startTelemetry());
  }
}
