// The one bootstrap of nextjs-app: Next.js calls register() once per server
// start. In the Node.js runtime (the edge runtime has no async hooks) it takes
// over the HTTP server's shutdown (lib/http-server.ts) and starts OpenTelemetry
// (lib/telemetry/sdk.ts), unless OTEL_SDK_DISABLED=true: then no SDK module is
// even loaded, the API's no-ops stay in place, and no OTLP connection is opened.
// BENCH_TELEMETRY_SETUP=stock (the bench's stock peer only) starts Next.js's
// documented default instead (lib/telemetry/stock.ts).

// Within ECS's default 30 s stopTimeout, with room for the telemetry flush.
const DRAIN_TIMEOUT_MS = 10_000;

/** Guards and drains the Node.js server; starts OpenTelemetry unless OTEL_SDK_DISABLED=true. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // lib/backend.ts opens the client span of every backend call; Next.js's own fetch
  // span would be a second one, paid for on every call in every mode (even with the
  // SDK off) and then dropped by the span filter. Next.js documents this switch;
  // @vercel/otel sets it too. docs/performance.md's bench has the figure.
  process.env.NEXT_OTEL_FETCH_DISABLED = "1";
  const { drainServers, onShutdownSignal, watchServers } = await import("./lib/http-server");
  const { getBooleanFromEnv } = await import("@opentelemetry/core");
  watchServers();
  let shutdownTelemetry = async (): Promise<void> => {};
  if (!getBooleanFromEnv("OTEL_SDK_DISABLED")) {
    const { startStockTelemetry, telemetrySetupOrExit } = await import("./lib/telemetry/stock");
    if (telemetrySetupOrExit() === "stock") {
      shutdownTelemetry = await startStockTelemetry();
    } else {
      const { startTelemetry } = await import("./lib/telemetry/sdk");
      shutdownTelemetry = startTelemetry();
    }
  }
  // Requests in flight are answered first, so their spans are in the flush.
  onShutdownSignal(async () => {
    await drainServers(DRAIN_TIMEOUT_MS);
    await shutdownTelemetry();
  });
}
