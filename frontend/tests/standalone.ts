// Helpers of the tests that start the standalone server (`.next/standalone/server.js`)
// exactly as the container does, beside tiny recording servers that stand in for
// the backend and the collector and keep every request that reaches them.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export const SERVER_JS = path.resolve(import.meta.dirname, "../.next/standalone/server.js");

/** One request as a recording server received it. */
export type Recorded = { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer };

/** What a recording server answers. */
export type Reply = { status: number; body: string; headers?: Record<string, string> };

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

/** Starts an HTTP server on a free port that records every request and answers with `reply`. */
export async function recordingServer(
  reply: (method: string, path: string) => Reply | "hang",
) {
  const requests: Recorded[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = request.url ?? "/";
      requests.push({ method: request.method ?? "GET", path: url, headers: request.headers, body: Buffer.concat(chunks) });
      const answer = reply(request.method ?? "GET", url);
      // "hang": never answer, so the caller's timeout is what ends the request.
      if (answer === "hang") return;
      response
        .writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
        .end(answer.body);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Polls `check` until it returns true, failing with a message that names what never happened. */
export async function pollUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not up yet: keep polling.
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
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

/** The standalone server on a free port with `env`, healthy; `output()` is what it printed. */
export async function startStandalone(env: Record<string, string>) {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`make frontend-build\` first`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [SERVER_JS], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await pollUntil(async () => (await fetch(`${url}/api/health`)).ok, "the standalone server's /api/health");
  return { url, child, output: () => output };
}
