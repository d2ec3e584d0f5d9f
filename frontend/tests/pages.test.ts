// Pages through the proxy: only `limit` and `cursor` are forwarded, and the backend's
// `Link` rel="next" comes back pointing at the proxy's own path.
import { describe, expect, it } from "vitest";
import { listQuery, forwardedResponseHeaders, proxiedLink, proxyAnswer } from "@/lib/proxy";
import { nextCursor, nextUrl } from "@/lib/todos/link";

const backendLink = '</api/todos/?limit=100&cursor=djF8Y3JlYXRlZA>; rel="next"';

describe("listQuery", () => {
  it("forwards limit and cursor", () => {
    expect(listQuery(new URL("http://x/api/todos?limit=5&cursor=abc"))).toBe("?limit=5&cursor=abc");
  });

  it("drops every other parameter", () => {
    expect(listQuery(new URL("http://x/api/todos?offset=9&sort=title&limit=5"))).toBe("?limit=5");
    expect(listQuery(new URL("http://x/api/todos"))).toBe("");
  });

  it("keeps a bad value for the backend to refuse with its 422", () => {
    expect(listQuery(new URL("http://x/api/todos?limit=0&cursor=%3C%3E"))).toBe("?limit=0&cursor=%3C%3E");
  });
});

describe("Link rel=next", () => {
  it("reads the cursor", () => {
    expect(nextCursor(backendLink)).toBe("djF8Y3JlYXRlZA");
  });

  it("finds rel=next among other links", () => {
    expect(nextCursor('</a?cursor=1>; rel="prev", </b?cursor=2>; rel="next"')).toBe("2");
  });

  it("is undefined on the last page", () => {
    expect(nextCursor(null)).toBeUndefined();
    expect(nextUrl('</a?cursor=1>; rel="prev"')).toBeUndefined();
  });

  it("points the proxy's Link at the proxy's path", () => {
    expect(proxiedLink(backendLink)).toBe('</api/todos?limit=100&cursor=djF8Y3JlYXRlZA>; rel="next"');
  });

  it("passes the rewritten Link through the proxy's answer", () => {
    const headers = forwardedResponseHeaders(new Headers({ link: backendLink }));
    const response = proxyAnswer({ kind: "response", status: 200, body: [], headers });
    expect(response.headers.get("link")).toBe('</api/todos?limit=100&cursor=djF8Y3JlYXRlZA>; rel="next"');
  });

  it("answers without Link on the last page", () => {
    expect(proxyAnswer({ kind: "response", status: 200, body: [] }).headers.get("link")).toBeNull();
  });
});
