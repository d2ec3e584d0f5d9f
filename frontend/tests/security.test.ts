// The security rules proxy.ts applies: the CSP and the cross-site write check.
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, isCrossSiteWrite, newNonce, SECURITY_HEADERS } from "@/lib/security";

describe("content security policy", () => {
  const csp = contentSecurityPolicy("abc123");

  it("allows scripts only by nonce, never eval or inline", () => {
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toContain("unsafe-inline");
  });

  it("forbids framing and plugins", () => {
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });

  it("gets a different nonce every time", () => {
    expect(newNonce()).not.toBe(newNonce());
    expect(Buffer.from(newNonce(), "base64")).toHaveLength(16);
  });

  it("comes with nosniff, a referrer policy and a permissions policy", () => {
    expect(SECURITY_HEADERS["x-content-type-options"]).toBe("nosniff");
    expect(SECURITY_HEADERS["referrer-policy"]).toBe("same-origin");
    expect(SECURITY_HEADERS["permissions-policy"]).toContain("camera=()");
  });
});

describe("cross-site writes", () => {
  it("refuses a POST from another origin", () => {
    expect(isCrossSiteWrite("POST", "https://evil.example", "todo.example")).toBe(true);
  });

  it("refuses a DELETE from a sandboxed frame (Origin: null)", () => {
    expect(isCrossSiteWrite("DELETE", "null", "todo.example")).toBe(true);
  });

  it("refuses a port that differs from the host's", () => {
    expect(isCrossSiteWrite("PUT", "http://localhost:3001", "localhost:3000")).toBe(true);
  });

  it("accepts a POST from the same host", () => {
    expect(isCrossSiteWrite("POST", "http://localhost:3000", "localhost:3000")).toBe(false);
  });

  it("accepts a POST without Origin (not a browser: nothing to forge)", () => {
    expect(isCrossSiteWrite("POST", null, "localhost:3000")).toBe(false);
  });

  it("never checks a GET", () => {
    expect(isCrossSiteWrite("GET", "https://evil.example", "todo.example")).toBe(false);
  });
});
