// The process's HTTP servers, which Next.js does not hand out: this module hooks
// them to refuse methods Next.js cannot route, and to drain them on SIGTERM.
//
// Next.js 16 turns every request into a Fetch `Request` before any app code (even
// proxy.ts) runs, and Fetch forbids TRACE, TRACK and CONNECT: such a request died
// with a 500 and a stack trace in the log (found by fuzzing). The guard answers
// them with 405 before Next.js sees them.
import http from "node:http";

/** The servers that have received a request: the ones to drain on shutdown. */
const servers = new Set<http.Server>();

/** True once the drain has begun: every connection is then closed after its answer. */
let draining = false;

/** Methods Fetch refuses to represent, so Next.js cannot route them. */
export const FORBIDDEN_METHODS = new Set(["TRACE", "TRACK", "CONNECT"]);

/** Answers a forbidden method with 405; true when it did. */
export function refuseForbiddenMethod(request: http.IncomingMessage, response: http.ServerResponse): boolean {
  if (!FORBIDDEN_METHODS.has((request.method ?? "").toUpperCase())) return false;
  response.writeHead(405, { allow: "GET, HEAD, OPTIONS, POST, PUT, DELETE", "content-type": "application/json" });
  response.end(JSON.stringify({ detail: `Method ${request.method} is not supported.` }));
  return true;
}

let installed = false;

/** Installs the guard (and the server tracking) on every HTTP server of this process (once). */
export function guardMethods(): void {
  if (installed) return;
  installed = true;
  const emit = http.Server.prototype.emit;
  // The server already exists when instrumentation runs, so the prototype is the one hook left.
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      servers.add(this);
      const [request, response] = args as [http.IncomingMessage, http.ServerResponse];
      if (refuseForbiddenMethod(request, response)) return true;
      closeAfterAnswerWhileDraining(this, response);
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}

/**
 * While draining, a keep-alive connection must not carry one request after another:
 * a client that keeps it busy (the drills' load does) would hold `close()` open
 * until the drain's deadline, and the supervisor's SIGKILL would then come before
 * the telemetry flush (found by the rolling-restart drill: answered requests
 * without their spans). A request that arrives while draining is answered with
 * `Connection: close`; one already in flight leaves its connection idle, which is
 * closed as soon as it is answered.
 */
function closeAfterAnswerWhileDraining(server: http.Server, response: http.ServerResponse): void {
  if (draining) response.setHeader("connection", "close");
  response.once("finish", () => {
    if (draining) setImmediate(() => server.closeIdleConnections());
  });
}

/**
 * Stops accepting connections and waits, at most `timeoutMs`, for the requests in
 * flight to be answered. Next.js's SIGTERM handler exits at once, cutting them off
 * (found by the rolling-restart drill), so this runs first.
 */
export async function drainServers(timeoutMs: number): Promise<void> {
  draining = true;
  const closed = [...servers].map(
    (server) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open until they time out.
        server.closeIdleConnections();
        // Next.js's handler, which runs after this, closes the server again; Node answers
        // a second close() with ERR_SERVER_NOT_RUNNING, which Next.js logged as an error
        // with a stack trace (found by the drills' frontend log check). Closed is closed.
        server.close = ((callback?: (error?: Error) => void) => {
          callback?.();
          return server;
        }) as typeof server.close;
      }),
  );
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
  await Promise.race([Promise.all(closed), timeout]);
}

/**
 * Runs `shutdown` (drain, then the telemetry flush) before the process exits on
 * SIGTERM/SIGINT. Next.js's own handler closes the server and calls process.exit,
 * which would cut an async step short: so we take its listeners, run ours first,
 * then hand the signal on.
 */
export function beforeExitOnSignals(shutdown: () => Promise<void>): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const handedOn = process.listeners(signal);
    process.removeAllListeners(signal);
    process.once(signal, () => {
      void shutdown()
        .catch((error: unknown) => console.error("shutdown failed", error))
        .finally(() => {
          if (handedOn.length === 0) process.exit(signal === "SIGTERM" ? 143 : 130);
          for (const listener of handedOn) listener(signal);
        });
    });
  }
}
