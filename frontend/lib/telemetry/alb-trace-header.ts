// Why not @opentelemetry/propagator-aws-xray alone: it refuses the ALB's `Root=1-…` without a Parent, so each request would start a trace that the ALB's access logs never name (reproduce: node -e "const {AWSXRayPropagator}=require('@opentelemetry/propagator-aws-xray'); const api=require('@opentelemetry/api'); console.log(api.trace.getSpanContext(new AWSXRayPropagator().extract(api.ROOT_CONTEXT, {'x-amzn-trace-id':'Root=1-5759e988-bd862e3fe1be46a994272793'}, api.defaultTextMapGetter)))" prints undefined).
// Cost to keep: ~80 lines; on upgrades of the X-Ray propagator re-run that command, and tests/alb-trace-header.test.ts.
// Delete when: the contrib propagator continues a Root-only header (or the ALB sends a Parent).
//
// The load balancer's X-Amzn-Trace-Id, continued even when it names no parent.
//
// An ALB adds `X-Amzn-Trace-Id: Root=1-<epoch>-<random>` to every request that
// arrives without one, with no Parent: it picks the trace id (written to its
// access logs) but records no segment of its own. The contrib AWSXRayPropagator
// refuses such a header (a remote parent needs a span id and a Sampled flag), so
// the request would start an unrelated trace and the access logs would never
// match X-Ray.
//
// Two small pieces fix that. AlbTraceHeaderPropagator extracts as the contrib one
// does and, for a header with a Root but no usable parent, puts the Root into the
// context under ALB_TRACE_ROOT. AlbRootIdGenerator gives a new root span that
// trace id when the active context carries it (Next.js starts the request span
// inside the extracted context): the span is a root in the ALB's trace.
// `Root=...;Parent=...;Sampled=...` keeps the contrib behaviour unchanged.
// backend/app/telemetry/trace_header.py does the same for fastapi-app.
import {
  context,
  createContextKey,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { AWSXRayIdGenerator } from "@opentelemetry/id-generator-aws-xray";
import { AWSXRAY_TRACE_ID_HEADER, AWSXRayPropagator } from "@opentelemetry/propagator-aws-xray";
import type { IdGenerator } from "@opentelemetry/sdk-trace-base";

export const ALB_TRACE_ROOT = createContextKey("alb trace root");

// Root=1-<8 hex digits: epoch seconds>-<24 hex digits>, as X-Ray writes it.
const ROOT = /(?:^|;)\s*Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})\s*(?:;|$)/;

/** The trace id (32 lower-case hex digits) in a header's Root field, or undefined. */
export function rootTraceId(header: string): string | undefined {
  const match = ROOT.exec(header);
  if (!match) return undefined;
  const traceId = `${match[1]}${match[2]}`.toLowerCase();
  return /^0+$/.test(traceId) ? undefined : traceId;
}

/** The X-Ray propagator, plus the ALB's Root-only header as a trace id for a new root span. */
export class AlbTraceHeaderPropagator implements TextMapPropagator {
  private readonly xray = new AWSXRayPropagator();

  /** Injects the full `Root;Parent;Sampled` header, as the contrib propagator does. */
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    this.xray.inject(ctx, carrier, setter);
  }

  /** Extracts as X-Ray does; a header with a Root and no usable parent leaves the Root. */
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = this.xray.extract(ctx, carrier, getter);
    if (trace.getSpanContext(extracted)) return extracted;
    const key = getter.keys(carrier).find((name) => name.toLowerCase() === AWSXRAY_TRACE_ID_HEADER);
    const raw = key === undefined ? undefined : getter.get(carrier, key);
    const header = Array.isArray(raw) ? raw[0] : raw;
    const root = typeof header === "string" ? rootTraceId(header) : undefined;
    return root === undefined ? extracted : extracted.setValue(ALB_TRACE_ROOT, root);
  }

  /** The one header this propagator reads and writes. */
  fields(): string[] {
    return this.xray.fields();
  }
}

/** X-Ray trace ids, except a new root span under an ALB Root takes that Root. */
export class AlbRootIdGenerator implements IdGenerator {
  private readonly xray = new AWSXRayIdGenerator();

  /** The active context's ALB Root, else a new epoch-prefixed X-Ray id. */
  generateTraceId(): string {
    const root = context.active().getValue(ALB_TRACE_ROOT);
    return typeof root === "string" ? root : this.xray.generateTraceId();
  }

  /** A random span id. */
  generateSpanId(): string {
    return this.xray.generateSpanId();
  }
}
