// The security rules on the built standalone server: response headers with a CSP
// nonce that Next.js really stamps on its scripts, cross-site writes refused before
// any backend call, and a proxy that passes on neither spoofed client headers nor
// the backend's internals. The backend is a recording stand-in (tests/standalone.ts).
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRig, formFields, startRig, type RecordingServer, type Reply, type Standalone } from "./standalone";

const TRACEBACK = 'Traceback (most recent call last):\n  File "/opt/venv/app/main.py", line 7';
const EVIL = "https://evil.example";

describe("standalone server security", () => {
  let backend: RecordingServer;
  let collector: RecordingServer;
  let server: Standalone;
  let baseUrl: string;

  beforeAll(async () => {
    ({ collector, backend, standalone: server } = await startRig({
      backend: (method, url): Reply => {
        if (url === "/api/todos/500") return { status: 500, body: TRACEBACK, headers: { "content-type": "text/plain" } };
        if (url === "/api/todos/503") {
          return { status: 503, body: JSON.stringify({ detail: TRACEBACK }), headers: { "retry-after": "5", server: "uvicorn" } };
        }
        return method === "GET" ? { status: 200, body: "[]" } : { status: 422, body: '{"detail":"no"}' };
      },
      env: { BACKEND_TIMEOUT_MS: "2000" },
    }));
    baseUrl = server.baseUrl;
  }, 30000);

  afterAll(() => closeRig({ collector, backend, standalone: server }));

  it("sends a nonce CSP that Next.js stamps on every script of the page", async () => {
    const response = await fetch(`${baseUrl}/`);
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);
    // A fresh nonce for every response.
    const again = (await fetch(`${baseUrl}/`)).headers.get("content-security-policy");
    expect(again).not.toBe(csp);
  });

  it.each(["/", "/api/todos", "/api/health"])("sends the security headers on %s", async (path) => {
    const response = await fetch(`${baseUrl}${path}`);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("permissions-policy")).toContain("camera=()");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("refuses a cross-site Server Action post with 403 before the action runs", async () => {
    const fields = formFields(await (await fetch(`${baseUrl}/`)).text(), "create-todo-form");
    fields.set("title", "forged");
    const before = backend.requests.length;

    const response = await fetch(`${baseUrl}/`, { method: "POST", body: fields, headers: { origin: EVIL } });

    expect(response.status).toBe(403);
    expect(backend.requests.length).toBe(before);
  });

  it.each(["POST /api/todos", "PUT /api/todos/1", "DELETE /api/todos/1"])(
    "refuses a cross-site %s with 403 without calling the backend",
    async (call) => {
      const [method, path] = call.split(" ");
      const before = backend.requests.length;
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { origin: EVIL, "content-type": "text/plain" },
        body: method === "DELETE" ? undefined : '{"title":"forged"}',
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ detail: "Cross-site requests may not change todos." });
      expect(backend.requests.length).toBe(before);
    },
  );

  it.each(["/api/todos", "/api/health", "/"])("answers TRACE %s with 405, not a 500", async (path) => {
    // fetch refuses to send TRACE; node:http does not.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(`${baseUrl}${path}`, { method: "TRACE" }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(405);
  });

  it("passes a same-origin write on", async () => {
    const response = await fetch(`${baseUrl}/api/todos`, {
      method: "POST",
      headers: { origin: baseUrl, "content-type": "application/json" },
      body: '{"title":""}',
    });
    expect(response.status).toBe(422);
  });

  it("forwards no client header to the backend: no Host or X-Forwarded-* spoofing", async () => {
    await fetch(`${baseUrl}/api/todos`, {
      headers: {
        "x-forwarded-for": "6.6.6.6",
        "x-forwarded-host": "evil.example",
        "x-forwarded-proto": "gopher",
        forwarded: "for=6.6.6.6;host=evil.example",
        "x-real-ip": "6.6.6.6",
        cookie: "session=stolen",
        authorization: "Bearer stolen",
        "x-custom": "anything",
      },
    });
    const call = backend.requests.at(-1);
    expect(call?.path).toBe("/api/todos/");
    expect(call?.headers.host).toBe(new URL(backend.url).host);
    const leaked = Object.keys(call?.headers ?? {}).filter((name) =>
      /^(x-forwarded-|forwarded$|x-real-ip$|cookie$|authorization$|x-custom$)/.test(name),
    );
    expect(leaked).toEqual([]);
  });

  it("never passes a backend stack trace on", async () => {
    const response = await fetch(`${baseUrl}/api/todos/500`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain("Traceback");
    expect(text).not.toContain("/opt/venv");
  });

  it("passes a 503's Retry-After on, in its own words, without the backend's other headers", async () => {
    const response = await fetch(`${baseUrl}/api/todos/503`);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("server")).toBeNull();
    expect(await response.json()).toEqual({
      detail: "The todo service is temporarily unavailable. Try again in a moment.",
    });
  });
});
