// Next.js 16 turns every request into a Fetch `Request` before any app code (even
// proxy.ts) runs, and Fetch forbids TRACE, TRACK and CONNECT: such a request died
// with a 500 and a stack trace in the log (found by fuzzing). This guard answers
// them with 405 at the HTTP server, before Next.js sees them.
import http from "node:http";

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

/** Installs the guard on every HTTP server of this process (once). */
export function guardMethods(): void {
  if (installed) return;
  installed = true;
  const emit = http.Server.prototype.emit;
  // The server already exists when instrumentation runs, so the prototype is the one hook left.
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const [request, response] = args as [http.IncomingMessage, http.ServerResponse];
      if (refuseForbiddenMethod(request, response)) return true;
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}
