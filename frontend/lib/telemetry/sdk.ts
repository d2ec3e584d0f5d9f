// The one OpenTelemetry bootstrap of nextjs-app, loaded by instrumentation.ts in
// the Node.js runtime only. Everything is configured by the standard OTEL_*
// variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_BSP_*, ...):
// traces and metrics go out as OTLP HTTP/protobuf to the collector sidecar, and
// with OTEL_LOGS_EXPORTER=otlp (the OTLP pipeline) lib/log.ts's records too.
// OTEL_TRACES_SAMPLER=xray samples root spans by the X-Ray rules (xray-sampler.ts);
// any other sampler the SDK builds from the variables itself.
//
// Why the plain SDK and not @vercel/otel: we need the X-Ray id generator, the
// X-Ray propagator (accepting the ALB's Root-only header: alb-trace-header.ts),
// a flush on SIGTERM and our own span-derived metric; with the
// SDK each is one explicit line, and trace context is injected into backend calls
// for every host by the data layer itself (no propagateContextUrls allow-list).
import { metrics } from "@opentelemetry/api";
import { logs } from "@opentelemetry/api-logs";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  defaultResource,
  detectResources,
  envDetector,
  processDetector,
  type Resource,
} from "@opentelemetry/resources";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import {
  type AggregationSelector,
  AggregationType,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { AlbRootIdGenerator, AlbTraceHeaderPropagator } from "@/lib/telemetry/alb-trace-header";
import { HTTP_SERVER_DURATION, HttpServerDurationProcessor } from "@/lib/telemetry/http-metrics";
import { RequestHostPropagator } from "@/lib/telemetry/sampling-request";
import { MeaningfulSpanProcessor } from "@/lib/telemetry/span-filter";
import { log } from "@/lib/log";
import { SamplerSettingError, xraySamplingFromEnv, type XRaySampling } from "@/lib/telemetry/xray-sampler";

const SHUTDOWN_TIMEOUT_MS = 5000;

/**
 * OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION, which the Python SDK reads
 * itself and the JS exporter does not. Exponential histograms reach CloudWatch as
 * values and counts (EMF), from which it computes percentiles; explicit-bucket ones
 * arrive as count/sum/min/max only, and p99 would stay empty.
 */
function histogramAggregation(): AggregationSelector | undefined {
  if (process.env.OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION !== "base2_exponential_bucket_histogram") {
    return undefined;
  }
  return (instrument) =>
    instrument === InstrumentType.HISTOGRAM
      ? { type: AggregationType.EXPONENTIAL_HISTOGRAM }
      : { type: AggregationType.DEFAULT };
}

/** Starts tracing, metrics and (if enabled) logs; returns a function that flushes and stops them. */
export function startTelemetry(): () => Promise<void> {
  // envDetector reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
  const resource = defaultResource().merge(detectResources({ detectors: [processDetector, envDetector] }));

  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ aggregationPreference: histogramAggregation() }),
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

  const xray = xraySamplingOrExit(resource);
  const tracerProvider = new NodeTracerProvider({
    resource,
    // Without it the SDK reads OTEL_TRACES_SAMPLER/_ARG (default parentbased_always_on).
    ...(xray ? { sampler: xray.sampler } : {}),
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
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
        new AlbTraceHeaderPropagator(),
        // The request's Host, for the X-Ray rules' Host field (sampling-request.ts).
        ...(xray ? [new RequestHostPropagator()] : []),
      ],
    }),
  });

  const loggerProvider = startLogs(resource);

  return async () => {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref());
    xray?.stop();
    const stopping = [tracerProvider.shutdown(), meterProvider.shutdown()];
    if (loggerProvider) stopping.push(loggerProvider.shutdown());
    await Promise.race([Promise.allSettled(stopping), timeout]);
  };
}

/**
 * The X-Ray sampler if selected; on a setting it cannot use, one error line and exit 1.
 * Next.js would catch the error and answer every request with a 500 while the
 * health check failed, so a task on ECS would fail slowly instead of at once.
 */
function xraySamplingOrExit(resource: Resource): XRaySampling | undefined {
  try {
    return xraySamplingFromEnv(process.env, resource);
  } catch (error) {
    if (!(error instanceof SamplerSettingError)) throw error;
    log("error", error.message);
    process.exit(1);
  }
}

/** Registers the logs SDK with the OTLP exporter when OTEL_LOGS_EXPORTER=otlp; otherwise nothing. */
function startLogs(resource: Resource): LoggerProvider | undefined {
  if (process.env.OTEL_LOGS_EXPORTER !== "otlp") return undefined;
  // The batch processor's delay and sizes come from OTEL_BLRP_* variables.
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  return loggerProvider;
}
