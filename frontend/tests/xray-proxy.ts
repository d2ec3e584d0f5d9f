// The ADOT sidecar's awsproxy as the X-Ray sampler sees it, for tests: a recording
// server answering POST /GetSamplingRules and POST /SamplingTargets with the
// recorded responses in tests/fixtures/xray-sampling/ (moto has neither call).
// A test changes the documents in memory to change a rule while the sampler runs.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT_CONTEXT, SpanKind, type Attributes } from "@opentelemetry/api";
import { SamplingDecision, type Sampler } from "@opentelemetry/sdk-trace-base";
import { afterEach } from "vitest";
import { recordingServer, type Reply } from "./standalone";

const FIXTURES = path.resolve(import.meta.dirname, "../../tests/fixtures/xray-sampling");

type Rule = { RuleName: string; FixedRate: number; ReservoirSize: number; [field: string]: unknown };
type RulesDocument = { SamplingRuleRecords: { ModifiedAt: number; SamplingRule: Rule }[] };
type Target = { RuleName: string; FixedRate: number; ReservoirQuota?: number; ReservoirQuotaTTL?: number };
type TargetsDocument = { SamplingTargetDocuments: Target[]; LastRuleModification: number };

/** Something a test started: a sampler's polling (`stop`) or a server (`close`). */
type Started = { stop?: () => void; close?: () => void };

/** Registers an afterEach that stops what the test started; returns the function that registers it. */
export function stoppedAfterEach(): <T extends Started>(started: T) => T {
  const running: Started[] = [];
  afterEach(() => {
    for (const started of running.splice(0)) {
      started.stop?.();
      started.close?.();
    }
  });
  return (started) => {
    running.push(started);
    return started;
  };
}

/** A fresh copy of a recorded response. */
export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8")) as T;
}

/** Starts the proxy serving the fixtures; `status` other than 200 answers every call with that status. */
export async function xrayProxy() {
  const documents = {
    rules: fixture<RulesDocument>("get-sampling-rules.json"),
    targets: fixture<TargetsDocument>("sampling-targets.json"),
    status: 200,
  };
  const server = await recordingServer((method, url): Reply => {
    if (documents.status !== 200) return { status: documents.status, body: '{"message":"recorded failure"}' };
    if (method === "POST" && url === "/GetSamplingRules") return { status: 200, body: JSON.stringify(documents.rules) };
    if (method === "POST" && url === "/SamplingTargets") return { status: 200, body: JSON.stringify(documents.targets) };
    return { status: 404, body: "{}" };
  });
  const calls = (url: string) => server.requests.filter((request) => request.path === url).length;

  /** Sets a rule's FixedRate/ReservoirSize in the rules and the targets, as a console edit would. */
  const setRule = (name: string, change: { FixedRate: number; ReservoirSize: number }, modifiedAt: number) => {
    for (const record of documents.rules.SamplingRuleRecords) {
      if (record.SamplingRule.RuleName !== name) continue;
      Object.assign(record.SamplingRule, change);
      record.ModifiedAt = modifiedAt;
    }
    for (const target of documents.targets.SamplingTargetDocuments) {
      if (target.RuleName !== name) continue;
      target.FixedRate = change.FixedRate;
      target.ReservoirQuota = change.ReservoirSize;
    }
    documents.targets.LastRuleModification = modifiedAt;
  };

  return { ...server, documents, setRule, rulesCalls: () => calls("/GetSamplingRules"), targetsCalls: () => calls("/SamplingTargets") };
}

/** The attributes Next.js 16 starts its request span with (base-server.js, handleRequest). */
export function nextRequest(method: string, target: string): Attributes {
  return {
    "next.span_category": "nextjs",
    "next.span_name": method,
    "next.span_type": "BaseServer.handleRequest",
    "http.method": method,
    "http.target": target,
  };
}

/**
 * A trace id that ratio samplers place at `position` (0..1): the SDK's
 * TraceIdRatioBasedSampler XORs the id's 32-bit words and samples below
 * ratio * 0xffffffff, so one non-zero word decides. Makes a decision a condition
 * to poll for: a probe at 0.3 is sampled at FixedRate 0.5 and not at 0.1.
 */
export function probeTraceId(position: number): string {
  return Math.floor(position * 0xffffffff).toString(16).padStart(8, "0") + "0".repeat(24);
}

/** Whether a root span with these attributes is sampled. */
export function sampled(sampler: Sampler, attributes: Attributes, traceId = randomBytes(16).toString("hex")): boolean {
  const result = sampler.shouldSample(ROOT_CONTEXT, traceId, "request", SpanKind.SERVER, attributes, []);
  return result.decision === SamplingDecision.RECORD_AND_SAMPLED;
}

/** The sampled share of `count` root decisions on random trace ids. */
export function sampledShare(sampler: Sampler, attributes: Attributes, count = 2000): number {
  let hits = 0;
  for (let i = 0; i < count; i += 1) if (sampled(sampler, attributes)) hits += 1;
  return hits / count;
}

/**
 * Five standard deviations of a sampled share at `rate` over `count` decisions:
 * a correct sampler falls outside it about once in 1.7 million runs, a wrong rate
 * (0.05 for 0.5, 0.5 for 0.1) lands far beyond it.
 */
export function tolerance(rate: number, count = 2000): number {
  return 5 * Math.sqrt((rate * (1 - rate)) / count);
}
