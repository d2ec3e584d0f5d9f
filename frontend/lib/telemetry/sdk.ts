// Why not @vercel/otel: it bundles a second copy of core, the SDK and the exporters (dist/node: 1.9 MB) and returns nothing to flush on SIGTERM (reproduce: npm pack @vercel/otel@2.2.0 && tar tzvf vercel-otel-2.2.0.tgz); the stock NodeSDK is used instead.
// Cost to keep: ~90 lines; NodeSDK loads its gRPC and Prometheus exporters too: 65 MiB of RSS against 55 for the six SDK packages it replaces (reproduce: node -e "require('@opentelemetry/sdk-node'); console.log(process.memoryUsage().rss >> 20)").
// Delete when: the experimental startNodeSDK, which already reads OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION, also takes an id generator, a sampler and span processors (its SDKOptions in node_modules/@opentelemetry/sdk-node/build/src/types.d.ts take only instrumentations and a propagator).
//
// The OpenTelemetry SDK of nextjs-app, started by instrumentation.ts in the
// Node.js runtime: NodeSDK, configured by the standard OTEL_* variables
// (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_*, OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL,
// OTEL_TRACES_SAMPLER, OTEL_LOGS_EXPORTER, ...). Each option below is something
// those variables cannot say: X-Ray trace ids that continue the load balancer's
// Root, the X-Ray header beside W3C's, the X-Ray rules sampler, the span filter,
// the span-derived request metric, and exponential histograms.
import {
  CompositePropagator,
  getStringFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, detectResources, envDetector, processDetector, type Resource } from "@opentelemetry/resources";
import { AggregationType, InstrumentType, type ViewOptions } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { log } from "@/lib/log";
import { AlbRootIdGenerator, AlbTraceHeaderPropagator } from "@/lib/telemetry/alb-trace-header";
import { HttpServerDurationProcessor } from "@/lib/telemetry/http-metrics";
import { RequestHostPropagator, SamplerSettingError, xraySamplingFromEnv, type XRaySampling } from "@/lib/telemetry/sampling";
import { MeaningfulSpanProcessor } from "@/lib/telemetry/span-filter";

const SHUTDOWN_TIMEOUT_MS = 5000;

/**
 * OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION as a view: the Python
 * SDK reads the variable, NodeSDK does not. Exponential histograms reach
 * CloudWatch as values and counts (EMF), from which it computes percentiles;
 * explicit-bucket ones arrive as count/sum/min/max only, and p99 would stay empty.
 */
export function histogramViews(): ViewOptions[] {
  const aggregation = getStringFromEnv("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION");
  if (aggregation !== "base2_exponential_bucket_histogram") return [];
  return [{ instrumentType: InstrumentType.HISTOGRAM, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }];
}

/** Starts tracing, metrics and (with OTEL_LOGS_EXPORTER=otlp) logs; returns a function that flushes and stops them. */
export function startTelemetry(): () => Promise<void> {
  // envDetector reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; the X-Ray
  // rules match the resource, so the sampler needs it before NodeSDK starts.
  const resource = defaultResource().merge(detectResources({ detectors: [processDetector, envDetector] }));
  const xray = xraySamplingOrExit(resource);
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    // Without it NodeSDK reads OTEL_TRACES_SAMPLER/_ARG (default parentbased_always_on).
    ...(xray ? { sampler: xray.sampler } : {}),
    // X-Ray ids; a request under the ALB's Root-only header takes that Root.
    idGenerator: new AlbRootIdGenerator(),
    textMapPropagator: new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
        new AlbTraceHeaderPropagator(),
        // The request's Host, for the X-Ray rules' Host field.
        ...(xray ? [new RequestHostPropagator()] : []),
      ],
    }),
    // The batch processor's delay and sizes come from OTEL_BSP_* variables.
    spanProcessors: [
      new MeaningfulSpanProcessor(new BatchSpanProcessor(new OTLPTraceExporter())),
      new HttpServerDurationProcessor(),
    ],
    views: histogramViews(),
  });
  sdk.start();

  return async () => {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref());
    xray?.stop();
    await Promise.race([sdk.shutdown().catch(() => undefined), timeout]);
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
