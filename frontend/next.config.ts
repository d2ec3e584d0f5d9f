// Next.js configuration of nextjs-app. The container runs the standalone server
// (`node .next/standalone/server.js`), so everything it needs must survive
// output file tracing.
import path from "node:path";
import type { NextConfig } from "next";
import { SECURITY_HEADERS } from "./lib/security";

const nextConfig: NextConfig = {
  output: "standalone",
  // The repository root holds other lock files (uv.lock); pin tracing to this
  // folder so the standalone tree is frontend-only and server.js sits at its top.
  outputFileTracingRoot: path.resolve(__dirname),
  // Bundling the OpenTelemetry SDK breaks it (dynamic requires, global symbols)
  // or drops parts of it; keep every SDK package the server imports as plain
  // node_modules that file tracing copies (@opentelemetry/api is Next.js's own).
  serverExternalPackages: [
    "@opentelemetry/api-logs",
    "@opentelemetry/core",
    "@opentelemetry/exporter-trace-otlp-proto",
    "@opentelemetry/id-generator-aws-xray",
    "@opentelemetry/propagator-aws-xray",
    "@opentelemetry/resources",
    "@opentelemetry/sampler-aws-xray",
    "@opentelemetry/sdk-metrics",
    "@opentelemetry/sdk-node",
    "@opentelemetry/sdk-trace-base",
    "@opentelemetry/semantic-conventions",
  ],
  experimental: {
    // Mirrors the backend's 64 KiB request limit for no-JS form posts too.
    serverActions: { bodySizeLimit: "64kb" },
  },
  poweredByHeader: false,
  // proxy.ts sets these (and the CSP) on everything else; static chunks skip it.
  async headers() {
    const headers = Object.entries(SECURITY_HEADERS).map(([key, value]) => ({ key, value }));
    return [{ source: "/_next/static/:path*", headers }];
  },
};

export default nextConfig;
