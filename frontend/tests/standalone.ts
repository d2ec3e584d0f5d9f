// Helpers for the tests that start the built standalone server exactly as the
// container does, next to tiny recording servers (an OTLP/HTTP receiver, a
// backend stand-in) that note every connection and request reaching them.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

const SERVER_JS = path.resolve(import.meta.dirname, "../.next/standalone/server.js");

/** One request as a recording server received it. */
export type Recorded = { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer };
/** What a recording server answers; "hang": never, so the caller's timeout ends the request. */
export type Reply = { status: number; body: string; headers?: Record<string, string> } | "hang";
export type RecordingServer = Awaited<ReturnType<typeof recordingServer>>;

/** The named inputs of the form with `testid`, as a browser without JavaScript would post them. */
export function formFields(html: string, testid: string): FormData {
  const form = new RegExp(`<form[^>]*data-testid="${testid}"[^>]*>([\\s\\S]*?)</form>`).exec(html)?.[1];
  if (!form) throw new Error(`no form ${testid} in the page`);
  const data = new FormData();
  for (const input of form.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? "";
    if (name) data.append(name, value.replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
  }
  return data;
}

/** Starts an HTTP server on a free port that records every connection and request and answers with `reply`. */
export async function recordingServer(reply: (method: string, path: string) => Reply) {
  const requests: Recorded[] = [];
  const seen = { connections: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = request.url ?? "/";
      requests.push({ method: request.method ?? "GET", path: url, headers: request.headers, body: Buffer.concat(chunks) });
      const answer = reply(request.method ?? "GET", url);
      if (answer === "hang") return;
      response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers }).end(answer.body);
    });
  });
  server.on("connection", () => (seen.connections += 1));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    seen,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Polls `check` until it returns true, failing with a message that names what never happened. */
export async function pollUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20000) {
  // performance.now(), not Date.now(): tests that fake Date (the sampler tests) poll with this too.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not up yet: keep polling.
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

export type Standalone = { process: ChildProcess; baseUrl: string; output: () => string };

export type StandaloneOptions = { backendUrl: string; collectorUrl: string; env?: Record<string, string> };

/**
 * Spawns `.next/standalone/server.js` with the given backend and OTLP endpoint
 * (plus `env`), without waiting for it. The batch delay and metric interval are
 * far beyond a test's length: anything exported arrives through the SIGTERM flush.
 */
export async function spawnStandalone(options: StandaloneOptions): Promise<Standalone> {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`make frontend-build\` first`);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(process.execPath, [SERVER_JS], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      // As the container sets it: SIGTERM is lib/http-server.ts's, not Next.js's.
      NEXT_MANUAL_SIG_HANDLE: "true",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      BACKEND_URL: options.backendUrl,
      BACKEND_TIMEOUT_MS: "1000",
      OTEL_SERVICE_NAME: "nextjs-app",
      OTEL_EXPORTER_OTLP_ENDPOINT: options.collectorUrl,
      OTEL_BSP_SCHEDULE_DELAY: "600000",
      OTEL_METRIC_EXPORT_INTERVAL: "600000",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, baseUrl, output: () => output };
}

/** Spawns the standalone server (see spawnStandalone) and waits for its /api/health. */
export async function startStandalone(options: StandaloneOptions): Promise<Standalone> {
  const standalone = await spawnStandalone(options);
  await pollUntil(async () => (await fetch(`${standalone.baseUrl}/api/health`)).ok, "the standalone server's /api/health");
  return standalone;
}

/** Sends SIGTERM and waits for the server to exit (it flushes telemetry first). */
export async function stopStandalone(standalone: Standalone): Promise<void> {
  standalone.process.kill("SIGTERM");
  await pollUntil(
    () => standalone.process.exitCode !== null,
    `the server to exit on SIGTERM; output:\n${standalone.output()}`,
  );
}

/** The usual fixture: a recording OTLP receiver and backend stand-in, the standalone server between them. */
export type Rig = { collector: RecordingServer; backend: RecordingServer; standalone: Standalone };

export type RigOptions = { backend?: (method: string, path: string) => Reply; env?: Record<string, string> };

/** Starts a Rig: the backend answers `options.backend` (default: 200 and an empty list), the server gets `options.env`. */
export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const collector = await recordingServer(() => ({ status: 200, body: "{}" }));
  const backend = await recordingServer(options.backend ?? (() => ({ status: 200, body: "[]" })));
  const standalone = await startStandalone({ backendUrl: backend.url, collectorUrl: collector.url, env: options.env });
  return { collector, backend, standalone };
}

/** Ends a Rig: the server by SIGKILL unless it has already exited, then both recording servers. */
export function closeRig(rig: Rig): void {
  if (rig.standalone.process.exitCode === null) rig.standalone.process.kill("SIGKILL");
  rig.collector.close();
  rig.backend.close();
}
