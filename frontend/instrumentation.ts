// Next.js calls register() once per server start. The OpenTelemetry SDK is
// loaded only in the Node.js runtime (the edge runtime has no async hooks).

// Within ECS's default 30 s stopTimeout, with room for the telemetry flush.
const DRAIN_TIMEOUT_MS = 10_000;

/** Starts OpenTelemetry for the Node.js server and guards it against methods Next.js cannot route. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { drainServers, guardMethods } = await import("./lib/http-server");
    guardMethods();
    const { startTelemetry, flushOnSignals } = await import("./lib/telemetry/sdk");
    const shutdownTelemetry = startTelemetry();
    // Requests in flight are answered first, so their spans are in the flush.
    flushOnSignals(async () => {
      await drainServers(DRAIN_TIMEOUT_MS);
      await shutdownTelemetry();
    });
  }
}
