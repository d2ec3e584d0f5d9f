// Which spans reach X-Ray: the meaningful ones, not Next.js internals.
import { describe, expect, it } from "vitest";
import { isMeaningful } from "@/lib/telemetry/span-filter";

describe("isMeaningful", () => {
  it("keeps the request, render and route-handler spans of Next.js", () => {
    expect(isMeaningful({ "next.span_type": "BaseServer.handleRequest" })).toBe(true);
    expect(isMeaningful({ "next.span_type": "AppRender.getBodyResult" })).toBe(true);
    expect(isMeaningful({ "next.span_type": "AppRouteRouteHandlers.runHandler" })).toBe(true);
  });

  it("drops Next.js's internal steps and its duplicate fetch span", () => {
    expect(isMeaningful({ "next.span_type": "NextNodeServer.findPageComponents" })).toBe(false);
    expect(isMeaningful({ "next.span_type": "NextNodeServer.createComponentTree" })).toBe(false);
    expect(isMeaningful({ "next.span_type": "AppRender.fetch" })).toBe(false);
  });

  it("keeps our own spans, which carry no Next.js span type", () => {
    expect(isMeaningful({ "app.action": "create" })).toBe(true);
    expect(isMeaningful({})).toBe(true);
  });

  it("drops every span of a browser-telemetry relay request, so the relay never traces itself", () => {
    const request = { "next.span_type": "BaseServer.handleRequest", "http.target": "/api/telemetry/v1/traces" };
    expect(isMeaningful(request)).toBe(false);
    const handler = { "next.span_type": "AppRouteRouteHandlers.runHandler", "next.route": "/api/telemetry/v1/traces" };
    expect(isMeaningful(handler)).toBe(false);
    expect(isMeaningful({ "next.span_type": "BaseServer.handleRequest", "http.target": "/api/todos/7" })).toBe(true);
  });
});
