// The API-route proxy's pure helpers: failure mapping, body limit, Location and id checks.
import { describe, expect, it } from "vitest";
import {
  classifyFetchError,
  clientBody,
  failureResponse,
  forwardedResponseHeaders,
  isTodoId,
  MAX_BODY_BYTES,
  proxiedLocation,
  proxyAnswer,
  readLimitedBody,
} from "@/lib/proxy";

describe("transport failures", () => {
  it("maps a timeout to 504", () => {
    const error = new DOMException("The operation timed out.", "TimeoutError");
    expect(failureResponse(classifyFetchError(error)).status).toBe(504);
  });

  it("maps a refused connection to 502", () => {
    const error = new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
    expect(failureResponse(classifyFetchError(error)).status).toBe(502);
  });

  it("answers JSON for a failure", async () => {
    const response = proxyAnswer({ kind: "failure", failure: "unreachable" });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ detail: "The todo service is unreachable." });
  });
});

describe("pass-through", () => {
  it("keeps status, JSON body and a path-only Location", async () => {
    const response = proxyAnswer({ kind: "response", status: 201, body: { id: 3 }, headers: { location: "/api/todos/3" } });
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe("/api/todos/3");
    expect(await response.json()).toEqual({ id: 3 });
  });

  it("answers 204 without a body", async () => {
    const response = proxyAnswer({ kind: "response", status: 204, body: null });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  it("strips the backend's host from Location", () => {
    expect(proxiedLocation("http://fastapi.local:8000/api/todos/9")).toBe("/api/todos/9");
    expect(proxiedLocation(null)).toBeUndefined();
  });
});

describe("what reaches the client", () => {
  it("forwards only allow-listed response headers", () => {
    const backend = new Headers({
      location: "http://fastapi.local:8000/api/todos/4",
      "retry-after": "5",
      server: "uvicorn",
      "x-internal": "secret",
      "set-cookie": "a=b",
    });
    expect(forwardedResponseHeaders(backend)).toEqual({ location: "/api/todos/4", "retry-after": "5" });
  });

  it("drops a Retry-After that is not a number of seconds", () => {
    expect(forwardedResponseHeaders(new Headers({ "retry-after": "soon; x=1" }))).toEqual({});
  });

  it("replaces a server error's body, so a stack trace never leaks", () => {
    const trace = 'Traceback (most recent call last):\n  File "/app/main.py", line 1';
    expect(clientBody(500, trace)).toEqual({ detail: "The todo service failed. Try again later." });
    expect(clientBody(500, JSON.stringify({ detail: trace }))).not.toHaveProperty("detail", trace);
    expect(JSON.stringify(clientBody(503, trace))).not.toContain("Traceback");
  });

  it("never passes on a body that is not JSON", () => {
    expect(clientBody(404, "<html>Not Found at /srv/app</html>")).toEqual({
      detail: "The todo service gave an unreadable answer.",
    });
    expect(clientBody(422, '{"detail":"bad"}')).toEqual({ detail: "bad" });
    expect(clientBody(204, "")).toBeNull();
  });
});

describe("readLimitedBody", () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request("http://x/api/todos", { method: "POST", body, headers, duplex: "half" } as RequestInit);

  it("reads a small body", async () => {
    expect(await readLimitedBody(post('{"title":"a"}'))).toEqual({ ok: true, text: '{"title":"a"}' });
  });

  it("refuses a body over 64 KiB", async () => {
    expect(await readLimitedBody(post("x".repeat(MAX_BODY_BYTES + 1)))).toEqual({ ok: false });
  });

  it("refuses a chunked body that grows past the limit", async () => {
    const chunk = new Uint8Array(16 * 1024);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    expect(await readLimitedBody(post(stream))).toEqual({ ok: false });
  });

  it("accepts exactly 64 KiB", async () => {
    const result = await readLimitedBody(post("x".repeat(MAX_BODY_BYTES)));
    expect(result.ok).toBe(true);
  });
});

describe("isTodoId", () => {
  it("forwards only decimal ids", () => {
    expect(isTodoId("42")).toBe(true);
    expect(isTodoId("..")).toBe(false);
    expect(isTodoId("4%2F2")).toBe(false);
    expect(isTodoId("")).toBe(false);
  });
});
