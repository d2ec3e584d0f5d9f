// Next.js calls register() once per server start. In the Node.js runtime (the
// edge runtime has no async hooks) it guards the server against methods Next.js
// cannot route and drains requests in flight on SIGTERM; the OpenTelemetry SDK is
// loaded too, but not at all when OTEL_SDK_DISABLED=true: the API's no-op
// implementations then stay in place, so no span or metric is made and no OTLP
// connection is opened.
import { sdkDisabled } from "./lib/telemetry/disabled";

// Within ECS's default 30 s stopTimeout, with room for the telemetry flush.
const DRAIN_TIMEOUT_MS = 10_000;

/** Guards and drains the Node.js server; starts OpenTelemetry unless OTEL_SDK_DISABLED=true. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { beforeExitOnSignals, drainServers, guardMethods } = await import("./lib/http-server");
  guardMethods();
  let shutdownTelemetry = async (): Promise<void> => {};
  if (!sdkDisabled(process.env)) {
    const { startTelemetry } = await import("./lib/telemetry/sdk");
    shutdownTelemetry = startTelemetry();
  }
  // Requests in flight are answered first, so their spans are in the flush.
  beforeExitOnSignals(async () => {
    await drainServers(DRAIN_TIMEOUT_MS);
    await shutdownTelemetry();
  });
}
