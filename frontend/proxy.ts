// Next.js Proxy (the request hook that used to be called middleware): runs before
// every route. It refuses cross-site writes (API routes and Server Actions alike)
// and sets the security headers, with a fresh CSP nonce per response.
import { NextResponse, type NextRequest } from "next/server";
import {
  SECURITY_HEADERS,
  contentSecurityPolicy,
  crossSiteRefused,
  isCrossSiteWrite,
  newNonce,
} from "@/lib/security";

/** Refuses cross-site writes; otherwise passes the request on with the nonce and adds the headers. */
export function proxy(request: NextRequest): NextResponse {
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce);
  let response: NextResponse;
  if (isCrossSiteWrite(request.method, request.headers.get("origin"), host)) {
    // Next.js's own check answers a mismatched Server Action with a 500; this is a 4xx
    // and the action never runs.
    response = NextResponse.json(crossSiteRefused, { status: 403 });
  } else {
    // Next.js reads the nonce from the request's CSP header and stamps it on its scripts.
    const headers = new Headers(request.headers);
    headers.set("content-security-policy", csp);
    response = NextResponse.next({ request: { headers } });
  }
  response.headers.set("content-security-policy", csp);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Static chunks are immutable files: they need no nonce, and skipping them keeps
  // this hook off the hot path. They still get nosniff from next.config.ts.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
