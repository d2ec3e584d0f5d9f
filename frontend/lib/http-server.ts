// Why not Next.js's own SIGTERM handling: it exits once server.close() is done, with no telemetry flush (reproduce: drop NEXT_MANUAL_SIG_HANDLE from tests/standalone.ts, then npx vitest run tests/standalone-drain.test.ts).
// Cost to keep: ~100 lines; on a Next.js upgrade check that start-server.js still honours NEXT_MANUAL_SIG_HANDLE and builds a Fetch Request before proxy.ts.
// Delete when: Next.js gives instrumentation a shutdown hook that runs after the drain, and answers TRACE itself.
//
// The standalone server's HTTP server, which Next.js creates and never hands out.
// Node's documented diagnostics channels give us each request with its server;
// NEXT_MANUAL_SIG_HANDLE=true (set wherever server.js is started) leaves SIGTERM
// and SIGINT to us, so the drain and the telemetry flush run before the exit.
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { log } from "@/lib/log";

/** What Node publishes on `http.server.request.start` and `http.server.response.finish`. */
type RequestMessage = { request: IncomingMessage; response: ServerResponse; server: Server };

/** The servers that have received a request: the ones to drain on shutdown. */
const servers = new Set<Server>();

/** True once the drain has begun: every connection is then closed after its answer. */
let draining = false;

/** True once this process listens on Node's HTTP server channels. */
let watching = false;

/** Answers TRACE, which Fetch refuses to represent, with 405; true when it did. */
function refuseTrace(request: IncomingMessage, response: ServerResponse): boolean {
  // Node's parser takes methods in upper case only (`trace` is a 400).
  if (request.method !== "TRACE") return false;
  response.writeHead(405, { allow: "GET, HEAD, OPTIONS, POST, PUT, DELETE", "content-type": "application/json" });
  response.end(JSON.stringify({ detail: `Method ${request.method} is not supported.` }));
  return true;
}

/**
 * Next.js turns every request into a Fetch `Request` before any app code (even
 * proxy.ts) runs, and Fetch throws on TRACE (found by fuzzing: a 500 and a stack
 * trace). The one hook before that is the server's own `request` listener, which
 * Next.js passed to http.createServer: this wraps it, on that server only. Node
 * publishes `request.start` before it emits `request`, so the first request is
 * guarded too. (TRACK and CONNECT never get here: Node answers 400 and closes.)
 */
function guard(server: Server): void {
  const handlers = server.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners("request");
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    if (refuseTrace(request, response)) return;
    for (const handler of handlers) handler.call(server, request, response);
  });
}

/**
 * While draining, a keep-alive connection must not carry one request after
 * another: a client that keeps it busy (the drills' load, a load balancer) would
 * hold `close()` open until the drain's deadline, and the supervisor's SIGKILL
 * would come before the telemetry flush (found by the rolling-restart drill). A
 * request that starts while draining is answered with `Connection: close`; one
 * already in flight leaves its connection idle, which is closed once it is answered.
 */
function onRequestStart({ server, response }: RequestMessage): void {
  if (!servers.has(server)) {
    servers.add(server);
    guard(server);
  }
  if (draining) response.setHeader("connection", "close");
}

function onResponseFinish({ server }: RequestMessage): void {
  if (draining) setImmediate(() => server.closeIdleConnections());
}

/** Subscribes to Node's HTTP server channels (once per process; later calls do nothing). */
export function watchServers(): void {
  if (watching) return;
  watching = true;
  subscribe("http.server.request.start", (message) => onRequestStart(message as RequestMessage));
  subscribe("http.server.response.finish", (message) => onResponseFinish(message as RequestMessage));
}

/** Stops accepting connections and waits, at most `timeoutMs`, for the requests in flight to be answered. */
export async function drainServers(timeoutMs: number): Promise<void> {
  draining = true;
  // close() also closes the idle keep-alive connections (Node >= 19).
  const closed = [...servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
  await Promise.race([Promise.all(closed), timeout]);
}

/**
 * Runs `shutdown` (drain, then the telemetry flush) on SIGTERM or SIGINT, then
 * exits as Next.js would (128 + the signal's number). A second signal meets
 * Node's default action and ends the process at once.
 */
export function onShutdownSignal(shutdown: () => Promise<void>): void {
  if (!process.env.NEXT_MANUAL_SIG_HANDLE) {
    log("warn", "NEXT_MANUAL_SIG_HANDLE is not set: Next.js exits on SIGTERM without the drain and telemetry flush");
  }
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    process.once(signal, () => {
      void shutdown()
        .catch((error: unknown) => log("error", "shutdown failed", { error: String(error) }))
        .finally(() => process.exit(code));
    });
  }
}
