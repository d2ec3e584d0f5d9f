// The SDK's standard off switch. The specification reads OTEL_SDK_DISABLED as a
// boolean where only a case-insensitive "true" means true; anything else (unset,
// "false", "1") leaves telemetry on.

/** Whether OTEL_SDK_DISABLED switches the OpenTelemetry SDK off. */
export function sdkDisabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";
}
