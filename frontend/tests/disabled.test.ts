// OTEL_SDK_DISABLED is read as the specification says: only "true", in any case.
import { describe, expect, it } from "vitest";
import { sdkDisabled } from "@/lib/telemetry/disabled";

describe("sdkDisabled", () => {
  it("is true for true in any case", () => {
    expect(sdkDisabled({ OTEL_SDK_DISABLED: "true" })).toBe(true);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: " TRUE " })).toBe(true);
  });

  it("is false when unset or anything but true", () => {
    expect(sdkDisabled({})).toBe(false);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: "false" })).toBe(false);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: "1" })).toBe(false);
  });
});
