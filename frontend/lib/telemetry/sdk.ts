// The one OpenTelemetry bootstrap of nextjs-app, loaded by instrumentation.ts in
// the Node.js runtime only. Everything is configured by the standard OTEL_*
// variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_BSP_*, ...):
// traces and metrics go out as OTLP HTTP/protobuf to the collector sidecar.
//
// Why the plain SDK and not @vercel/otel: we need the X-Ray id generator, the
// X-Ray propagator (accepting the ALB's Root-only header: alb-trace-header.ts),
// a flush on SIGTERM and our own span-derived metric; with the
// SDK each is one explicit line, and trace context is injected into backend calls
// for every host by the data layer itself (no propagateContextUrls allow-list).
import { metrics } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, detectResources, envDetector, processDetector } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { AlbRootIdGenerator, AlbTraceHeaderPropagator } from "@/lib/telemetry/alb-trace-header";
import { HTTP_SERVER_DURATION, HttpServerDurationProcessor } from "@/lib/telemetry/http-metrics";
import { MeaningfulSpanProcessor } from "@/lib/telemetry/span-filter";

const SHUTDOWN_TIMEOUT_MS = 5000;

/** Starts tracing and metrics; returns a function that flushes and stops both. */
export function startTelemetry(): () => Promise<void> {
  // envDetector reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
  const resource = defaultResource().merge(detectResources({ detectors: [processDetector, envDetector] }));

  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL ?? "60000"),
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  const histogram = meterProvider.getMeter("nextjs-app").createHistogram(HTTP_SERVER_DURATION.name, {
    unit: HTTP_SERVER_DURATION.unit,
    description: HTTP_SERVER_DURATION.description,
    advice: { explicitBucketBoundaries: [...HTTP_SERVER_DURATION.buckets] },
  });

  const tracerProvider = new NodeTracerProvider({
    resource,
    // X-Ray ids; a request under the ALB's Root-only header takes that Root.
    idGenerator: new AlbRootIdGenerator(),
    // The batch processor's delay and sizes come from OTEL_BSP_* variables.
    spanProcessors: [
      new MeaningfulSpanProcessor(new BatchSpanProcessor(new OTLPTraceExporter())),
      new HttpServerDurationProcessor(histogram),
    ],
  });
  tracerProvider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new AlbTraceHeaderPropagator()],
    }),
  });

  return async () => {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref());
    await Promise.race([Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]), timeout]);
  };
}

/**
 * Flushes telemetry before the process exits on SIGTERM/SIGINT. Next.js's own
 * handler closes the server and calls process.exit, which would cut an async
 * flush short: so we take its listeners, flush first, then hand the signal on.
 */
export function flushOnSignals(shutdown: () => Promise<void>): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const handedOn = process.listeners(signal);
    process.removeAllListeners(signal);
    process.once(signal, () => {
      void shutdown()
        .catch((error: unknown) => console.error("telemetry shutdown failed", error))
        .finally(() => {
          if (handedOn.length === 0) process.exit(signal === "SIGTERM" ? 143 : 130);
          for (const listener of handedOn) listener(signal);
        });
    });
  }
}
