// Next.js calls register() once per server start. The OpenTelemetry SDK is
// loaded only in the Node.js runtime (the edge runtime has no async hooks), and
// not at all when OTEL_SDK_DISABLED=true: the API's no-op implementations then
// stay in place, so no span or metric is made and no OTLP connection is opened.
import { sdkDisabled } from "./lib/telemetry/disabled";

/** Starts OpenTelemetry for the Node.js server, unless OTEL_SDK_DISABLED=true. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs" && !sdkDisabled(process.env)) {
    const { startTelemetry, flushOnSignals } = await import("./lib/telemetry/sdk");
    flushOnSignals(startTelemetry());
  }
}
