// Why not @opentelemetry/sampler-aws-xray alone: given Next.js's start attributes (http.method, http.target, no Host) a rule's HTTPMethod, URLPath and Host never match (reproduce: npx vitest run tests/sampling-request.test.ts).
// Cost to keep: ~175 lines; on upgrades re-check which attributes Next.js's base-server.js starts its span with and which the sampler's sampling-rule-applier.js reads, and whether NodeSDK reads OTEL_TRACES_SAMPLER=xray itself.
// Delete when: Next.js starts its request span with http.request.method, url.path and server.address, and the JS SDK builds the X-Ray sampler from OTEL_TRACES_SAMPLER=xray.
//
// OTEL_TRACES_SAMPLER=xray: root spans are sampled by the X-Ray sampling rules.
// The contrib AWSXRayRemoteSampler (parent-based itself) fetches the rules and
// reports its statistics through the ADOT sidecar's awsproxy, which signs the
// calls: the app holds no X-Ray credentials. OTEL_TRACES_SAMPLER_ARG has ADOT's
// form, `endpoint=<url>,polling_interval=<s>`, as fastapi-app reads it. Any other
// sampler is left to the SDK, which reads the variables itself.
//
// What the rules match on: Next.js 16 starts its request span with `http.method`
// and `http.target` only, while the sampler reads `http.request.method`,
// `url.path` and `server.address`. RequestAttributesSampler adds them for the
// decision; the Host comes from RequestHostPropagator, which Next.js runs as it
// extracts the incoming headers into the context it starts the span in. An
// unsampled request span is still recorded (not exported), so that the request
// metric (http-metrics.ts) counts every request, not only the sampled share.
import {
  createContextKey,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
  type TextMapGetter,
  type TextMapPropagator,
} from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import { AWSXRayRemoteSampler } from "@opentelemetry/sampler-aws-xray";
import { SamplingDecision, type Sampler, type SamplingResult } from "@opentelemetry/sdk-trace-base";
import { ATTR_HTTP_REQUEST_METHOD, ATTR_SERVER_ADDRESS, ATTR_URL_PATH } from "@opentelemetry/semantic-conventions";
import { log } from "@/lib/log";

export const XRAY_SAMPLER = "xray";
export const DEFAULT_ENDPOINT = "http://127.0.0.1:2000";
export const DEFAULT_POLLING_INTERVAL_S = 300;
// Below this the contrib sampler silently falls back to 300 s; we raise to it instead.
export const MIN_POLLING_INTERVAL_S = 10;

const ARG = "OTEL_TRACES_SAMPLER_ARG";
const NUMBER = /^\d+(\.\d+)?$/;
const REQUEST_HOST = createContextKey("request host");

export interface XRaySamplerSettings {
  /** awsproxy's base URL, without a trailing slash. */
  endpoint: string;
  /** Seconds between GetSamplingRules calls. */
  pollingIntervalSeconds: number;
}

export interface XRaySampling {
  sampler: Sampler;
  /** Stops the rule and target polling (the timers do not hold the process open either way). */
  stop: () => void;
}

/** A setting the sampler cannot use; its message names the variable, the value and what it should be. */
export class SamplerSettingError extends Error {
  override name = "SamplerSettingError";
}

function badArg(detail: string): SamplerSettingError {
  return new SamplerSettingError(`${ARG} (for OTEL_TRACES_SAMPLER=${XRAY_SAMPLER}): ${detail}`);
}

function parseEndpoint(value: string): string {
  if (!URL.canParse(value)) throw badArg(`endpoint ${JSON.stringify(value)} is not a URL (e.g. ${DEFAULT_ENDPOINT})`);
  // The contrib client calls node:http, which throws on any other protocol.
  if (new URL(value).protocol !== "http:") {
    throw badArg(`endpoint ${JSON.stringify(value)} must be an http:// URL (the awsproxy sidecar)`);
  }
  return value.replace(/\/+$/, "");
}

function parsePollingInterval(value: string): number {
  const seconds = NUMBER.test(value) ? Number(value) : Number.NaN;
  if (!(seconds > 0)) throw badArg(`polling_interval ${JSON.stringify(value)} must be a positive number of seconds`);
  if (seconds >= MIN_POLLING_INTERVAL_S) return seconds;
  log("warn", "X-Ray rules polling interval raised to the sampler's minimum", {
    variable: ARG,
    requested_s: seconds,
    used_s: MIN_POLLING_INTERVAL_S,
  });
  return MIN_POLLING_INTERVAL_S;
}

/** Reads `endpoint=<url>,polling_interval=<seconds>`; either may be left out; throws on anything else. */
export function parseXRaySamplerArg(arg: string | undefined): XRaySamplerSettings {
  const settings = { endpoint: DEFAULT_ENDPOINT, pollingIntervalSeconds: DEFAULT_POLLING_INTERVAL_S };
  const seen = new Set<string>();
  for (const pair of (arg ?? "").split(",")) {
    if (pair.trim() === "") continue;
    const equals = pair.indexOf("=");
    const key = pair.slice(0, equals).trim();
    const value = pair.slice(equals + 1).trim();
    if (equals < 0 || key === "" || value === "") throw badArg(`${JSON.stringify(pair.trim())} is not key=value`);
    if (seen.has(key)) throw badArg(`${key} given twice`);
    seen.add(key);
    if (key === "endpoint") settings.endpoint = parseEndpoint(value);
    else if (key === "polling_interval") settings.pollingIntervalSeconds = parsePollingInterval(value);
    else throw badArg(`unknown key ${JSON.stringify(key)} (known: endpoint, polling_interval)`);
  }
  return settings;
}

/** The remote sampler for these settings; the resource's service.name is what rules' ServiceName match. */
export function xraySampling(settings: XRaySamplerSettings, resource: Resource): XRaySampling {
  const remote = new AWSXRayRemoteSampler({
    resource,
    endpoint: settings.endpoint,
    pollingInterval: settings.pollingIntervalSeconds,
  });
  return { sampler: new RequestAttributesSampler(remote), stop: () => remote.stopPollers() };
}

/** The X-Ray sampler when OTEL_TRACES_SAMPLER=xray; undefined leaves sampling to the SDK's env handling. */
export function xraySamplingFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  resource: Resource,
): XRaySampling | undefined {
  if (env.OTEL_TRACES_SAMPLER?.trim() !== XRAY_SAMPLER) return undefined;
  return xraySampling(parseXRaySamplerArg(env[ARG]), resource);
}

/** The host name of a Host header (`todo.example.com:3000` -> `todo.example.com`), or undefined. */
export function hostName(header: string): string | undefined {
  if (!URL.canParse(`http://${header.trim()}`)) return undefined;
  const host = new URL(`http://${header.trim()}`).hostname;
  return host === "" ? undefined : host.replace(/^\[(.*)\]$/, "$1");
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
function withRequestAttributes(ctx: Context, attributes: Attributes): Attributes {
  const method = attributes["http.method"];
  const target = attributes["http.target"];
  const host = ctx.getValue(REQUEST_HOST);
  return {
    ...(typeof method === "string" ? { [ATTR_HTTP_REQUEST_METHOD]: method } : {}),
    ...(typeof target === "string" ? { [ATTR_URL_PATH]: target.split(/[?#]/, 1)[0] || "/" } : {}),
    ...(typeof host === "string" ? { [ATTR_SERVER_ADDRESS]: host } : {}),
    ...attributes,
  };
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
    const attributesSeen = withRequestAttributes(ctx, attributes);
    const result = this.delegate.shouldSample(ctx, traceId, spanName, spanKind, attributesSeen, links);
    // A span that is not recorded reaches no span processor: record the request span.
    const isRequest = attributes["next.span_type"] === "BaseServer.handleRequest";
    const decision = isRequest && result.decision === SamplingDecision.NOT_RECORD ? SamplingDecision.RECORD : result.decision;
    // The contrib samplers echo the attributes they were given as "added"; dropping
    // them keeps the exported spans exactly as they were without this sampler.
    return { decision, traceState: result.traceState };
  }

  /** Names the delegate, as the SDK's samplers do. */
  toString(): string {
    return `RequestAttributesSampler{${this.delegate.toString()}}`;
  }
}
