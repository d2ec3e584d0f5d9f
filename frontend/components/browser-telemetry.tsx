"use client";
// Starts browser tracing after the page has loaded and painted, in an idle
// moment, and only for the sampled share of page views: the SDK is a separate
// chunk fetched then, so it never adds to the page's first-load JavaScript.
import { useEffect } from "react";

/** Loads and starts the browser SDK for `sampleRatio` (0–1) of page views; renders nothing. */
export function BrowserTelemetry({ sampleRatio }: { sampleRatio: number }) {
  useEffect(() => {
    if (Math.random() >= sampleRatio) return;
    const start = () =>
      import("@/lib/telemetry/browser/start")
        .then(({ startBrowserTelemetry }) => startBrowserTelemetry())
        .catch((error: unknown) => console.warn("browser telemetry did not start", error));
    const whenIdle = () =>
      "requestIdleCallback" in window ? requestIdleCallback(start, { timeout: 2000 }) : setTimeout(start, 0);
    if (document.readyState === "complete") whenIdle();
    else window.addEventListener("load", whenIdle, { once: true });
    return () => window.removeEventListener("load", whenIdle);
  }, [sampleRatio]);
  return null;
}
