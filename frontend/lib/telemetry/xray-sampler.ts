// OTEL_TRACES_SAMPLER=xray: root spans are sampled by the X-Ray sampling rules.
//
// The contrib AWSXRayRemoteSampler fetches the rules (POST /GetSamplingRules) and
// reports statistics for its quotas (POST /SamplingTargets, every 10 s or the
// interval X-Ray returns) through the ADOT sidecar's awsproxy extension, which
// signs them: the app holds no X-Ray credentials of its own. A changed rule is
// taken up at the next rules poll, or sooner when SamplingTargets reports a
// LastRuleModification newer than the rules it has: no restart. The sampler is
// parent-based itself (ParentBasedSampler around the rule sampler), so a request
// with a sampled or unsampled parent keeps the parent's decision.
//
// OTEL_TRACES_SAMPLER_ARG has ADOT's form, `endpoint=<url>,polling_interval=<s>`,
// the same as fastapi-app reads. Any other OTEL_TRACES_SAMPLER value is left to
// the SDK, which reads the variables itself.
import type { Resource } from "@opentelemetry/resources";
import { AWSXRayRemoteSampler } from "@opentelemetry/sampler-aws-xray";
import type { Sampler } from "@opentelemetry/sdk-trace-base";
import { log } from "@/lib/log";
import { RequestAttributesSampler } from "@/lib/telemetry/sampling-request";

export const XRAY_SAMPLER = "xray";
export const DEFAULT_ENDPOINT = "http://127.0.0.1:2000";
export const DEFAULT_POLLING_INTERVAL_S = 300;
// Below this the contrib sampler silently falls back to 300 s; we raise to it instead.
export const MIN_POLLING_INTERVAL_S = 10;

const ARG = "OTEL_TRACES_SAMPLER_ARG";
const NUMBER = /^\d+(\.\d+)?$/;

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
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badArg(`endpoint ${JSON.stringify(value)} is not a URL (e.g. ${DEFAULT_ENDPOINT})`);
  }
  // The contrib client calls node:http, which throws on any other protocol.
  if (url.protocol !== "http:") {
    throw badArg(`endpoint ${JSON.stringify(value)} must be an http:// URL (the awsproxy sidecar)`);
  }
  return value.replace(/\/+$/, "");
}

function parsePollingInterval(value: string): number {
  const seconds = NUMBER.test(value) ? Number(value) : Number.NaN;
  if (!(seconds > 0)) {
    throw badArg(`polling_interval ${JSON.stringify(value)} must be a positive number of seconds`);
  }
  if (seconds < MIN_POLLING_INTERVAL_S) {
    log("warn", "X-Ray rules polling interval raised to the sampler's minimum", {
      variable: ARG,
      requested_s: seconds,
      used_s: MIN_POLLING_INTERVAL_S,
    });
    return MIN_POLLING_INTERVAL_S;
  }
  return seconds;
}

/** Reads `endpoint=<url>,polling_interval=<seconds>`; either may be left out; throws on anything else. */
export function parseXRaySamplerArg(arg: string | undefined): XRaySamplerSettings {
  const settings: XRaySamplerSettings = {
    endpoint: DEFAULT_ENDPOINT,
    pollingIntervalSeconds: DEFAULT_POLLING_INTERVAL_S,
  };
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
