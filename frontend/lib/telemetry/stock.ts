// Why not this set-up for the app: it is the stock peer, for the bench only; it lacks what the proof and ECS need (X-Ray ids and header, the request metric, the flush on SIGTERM; sdk.ts's header says why each is ours).
// Cost to keep: ~35 lines and @vercel/otel, bundled into a chunk that only this mode loads; on upgrades of @vercel/otel re-run tests/standalone-stock.test.ts.
// Delete when: the bench stops measuring the frontend against Next.js's documented default.
//
// BENCH_TELEMETRY_SETUP=stock, for `make bench` only: the same build starts
// Next.js's documented default set-up, @vercel/otel's registerOTel with its
// defaults, instead of ours (sdk.ts), so that the bench measures the two side by
// side. Those defaults read the same OTEL_* variables (the service name, the OTLP
// endpoint and protocol, the batch processor's delay) and add the fetch
// instrumentation; the app's own spans (Server Actions, backend calls) go through
// the OpenTelemetry API either way.
import { log } from "@/lib/log";

export const TELEMETRY_SETUP_VARIABLE = "BENCH_TELEMETRY_SETUP";

/** Ours (sdk.ts) or the stock @vercel/otel set-up. */
export type TelemetrySetup = "ours" | "stock";

/** The set-up BENCH_TELEMETRY_SETUP names: unset or `ours`, or `stock`; any other value throws. */
export function telemetrySetup(env: NodeJS.ProcessEnv = process.env): TelemetrySetup {
  const value = env[TELEMETRY_SETUP_VARIABLE] ?? "ours";
  if (value === "ours" || value === "stock") return value;
  throw new Error(`${TELEMETRY_SETUP_VARIABLE} must be "ours" or "stock", not "${value}"`);
}

/** The set-up to start; on a value it cannot use, one error line and exit 1 (a bench must not measure ours by mistake). */
export function telemetrySetupOrExit(): TelemetrySetup {
  try {
    return telemetrySetup();
  } catch (error) {
    log("error", error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}

/** Starts @vercel/otel with its defaults; it hands back nothing to flush, so neither does this. */
export async function startStockTelemetry(): Promise<() => Promise<void>> {
  const { registerOTel } = await import("@vercel/otel");
  registerOTel();
  return async () => {};
}
