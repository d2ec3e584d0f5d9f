// What the X-Ray sampling rules match on, at the moment a request span starts.
//
// Next.js 16 starts the SERVER span of every request (page render, route handler,
// Server Action POST) with the older HTTP conventions only: `http.method` and
// `http.target` (raw path and query), besides its own `next.*`. The contrib X-Ray
// sampler reads the stable ones, `http.request.method`, `url.path` and
// `server.address`: given Next.js's attributes alone, a rule's HTTPMethod other
// than `*` never matches and every path reads as `/`. RequestAttributesSampler adds
// the stable names before delegating, from what Next.js passed.
//
// The Host header is not among the start attributes at all. But Next.js extracts
// the incoming headers through the global propagator into the context it starts
// the span in (tracer.withPropagatedContext), so RequestHostPropagator, an
// extract-only propagator, puts the host there for the sampler to read.
import {
  createContextKey,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
  type TextMapGetter,
  type TextMapPropagator,
} from "@opentelemetry/api";
import type { Sampler, SamplingResult } from "@opentelemetry/sdk-trace-base";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_PATH,
} from "@opentelemetry/semantic-conventions";

export const REQUEST_HOST = createContextKey("request host");

// The names Next.js 16 sets at span start (base-server.js, handleRequest).
const NEXT_HTTP_METHOD = "http.method";
const NEXT_HTTP_TARGET = "http.target";

/** The host name of a Host header (`todo.example.com:3000` -> `todo.example.com`), or undefined. */
export function hostName(header: string): string | undefined {
  try {
    const host = new URL(`http://${header.trim()}`).hostname;
    return host === "" ? undefined : host.replace(/^\[(.*)\]$/, "$1");
  } catch {
    return undefined;
  }
}

/** Reads the incoming Host header into the context; injects nothing. */
export class RequestHostPropagator implements TextMapPropagator {
  /** Outgoing requests carry their own Host: nothing to inject. */
  inject(): void {}

  /** Puts the request's host name (without port) under REQUEST_HOST. */
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, "host");
    const header = Array.isArray(raw) ? raw[0] : raw;
    const host = typeof header === "string" ? hostName(header) : undefined;
    return host === undefined ? ctx : ctx.setValue(REQUEST_HOST, host);
  }

  /** No header of its own to set. */
  fields(): string[] {
    return [];
  }
}

/** Next.js's start attributes plus the stable names the X-Ray rules match on (never overriding). */
export function withRequestAttributes(ctx: Context, attributes: Attributes): Attributes {
  const added: Attributes = {};
  const method = attributes[NEXT_HTTP_METHOD];
  if (attributes[ATTR_HTTP_REQUEST_METHOD] === undefined && typeof method === "string") {
    added[ATTR_HTTP_REQUEST_METHOD] = method;
  }
  const target = attributes[NEXT_HTTP_TARGET];
  if (attributes[ATTR_URL_PATH] === undefined && typeof target === "string") {
    added[ATTR_URL_PATH] = target.split(/[?#]/, 1)[0] || "/";
  }
  const host = ctx.getValue(REQUEST_HOST);
  if (attributes[ATTR_SERVER_ADDRESS] === undefined && typeof host === "string") {
    added[ATTR_SERVER_ADDRESS] = host;
  }
  return { ...attributes, ...added };
}

/** Lets a sampler see the stable HTTP attributes; the span keeps only what Next.js set. */
export class RequestAttributesSampler implements Sampler {
  constructor(private readonly delegate: Sampler) {}

  /** The delegate's decision on the request's attributes, stable names included. */
  shouldSample(
    ctx: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const result = this.delegate.shouldSample(
      ctx,
      traceId,
      spanName,
      spanKind,
      withRequestAttributes(ctx, attributes),
      links,
    );
    // The contrib samplers echo the attributes they were given as "added"; dropping
    // them keeps the exported spans exactly as they were without this sampler.
    return { decision: result.decision, traceState: result.traceState };
  }

  /** Names the delegate, as the SDK's samplers do. */
  toString(): string {
    return `RequestAttributesSampler{${this.delegate.toString()}}`;
  }
}
