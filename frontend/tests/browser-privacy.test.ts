// What browser spans may say: route templates, no query strings, ids or user agent.
import { describe, expect, it } from "vitest";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-web";
import {
  PrivacySpanProcessor,
  requestName,
  routeTemplate,
  sanitizeAttributes,
  templatedUrl,
} from "@/lib/telemetry/browser/privacy";

const ORIGIN = "https://todo.example";

describe("routeTemplate", () => {
  it("replaces numeric and UUID segments with {id}", () => {
    expect(routeTemplate("/api/todos/42")).toBe("/api/todos/{id}");
    expect(routeTemplate("/x/0b7e3a52-3f0c-4a3e-9a51-2b8f4c1d9e00/y")).toBe("/x/{id}/y");
    expect(routeTemplate("/")).toBe("/");
  });
});

describe("templatedUrl", () => {
  it("keeps the origin and route template of a same-origin URL, without its query", () => {
    expect(templatedUrl(`${ORIGIN}/api/todos/7?title=Buy%20milk#top`, ORIGIN)).toBe(`${ORIGIN}/api/todos/{id}`);
  });

  it("keeps only the origin of another site's URL", () => {
    expect(templatedUrl("https://other.example/search?q=secret", ORIGIN)).toBe("https://other.example");
  });
});

describe("sanitizeAttributes", () => {
  it("templates URLs and drops query, raw path and user agent", () => {
    const clean = sanitizeAttributes(
      {
        "url.full": `${ORIGIN}/?page=2&q=Buy+milk`,
        "url.query": "page=2&q=Buy+milk",
        "http.target": "/?page=2",
        "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64)",
        "http.request.method": "POST",
      },
      ORIGIN,
    );
    expect(clean).toEqual({ "url.full": `${ORIGIN}/`, "http.request.method": "POST" });
  });
});

describe("requestName", () => {
  it("adds the route template to the bare method the fetch instrumentation names a span", () => {
    expect(requestName("PUT", { "url.full": `${ORIGIN}/api/todos/7?x=1` }, ORIGIN)).toBe("PUT /api/todos/{id}");
  });

  it("leaves other names alone", () => {
    expect(requestName("server_action create", { "url.full": `${ORIGIN}/` }, ORIGIN)).toBe("server_action create");
    expect(requestName("GET", { "url.full": "https://cdn.example/a.js" }, ORIGIN)).toBe("GET https://cdn.example");
  });
});

describe("PrivacySpanProcessor", () => {
  it("exports a templated, well-named view of each span and drops resourceFetch spans", () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new PrivacySpanProcessor(new SimpleSpanProcessor(exporter), ORIGIN)],
    });
    const tracer = provider.getTracer("test");
    tracer.startSpan("resourceFetch", { attributes: { "url.full": `${ORIGIN}/_next/a.js` } }).end();
    const put = tracer.startSpan("PUT", {
      attributes: { "url.full": `${ORIGIN}/api/todos/9?title=Buy+milk`, "user_agent.original": "Mozilla/5.0" },
    });
    put.end();

    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(["PUT /api/todos/{id}"]);
    expect(spans[0]?.attributes).toEqual({ "url.full": `${ORIGIN}/api/todos/{id}` });
    expect(spans[0]?.spanContext()).toEqual(put.spanContext());
  });
});
