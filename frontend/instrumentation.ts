// Next.js calls register() once per server start. The OpenTelemetry SDK is
// loaded only in the Node.js runtime (the edge runtime has no async hooks).

/** Starts OpenTelemetry for the Node.js server and guards it against methods Next.js cannot route. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { guardMethods } = await import("./lib/method-guard");
    guardMethods();
    const { startTelemetry, flushOnSignals } = await import("./lib/telemetry/sdk");
    flushOnSignals(startTelemetry());
  }
}
