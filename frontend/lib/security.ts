// Pure rules of the response headers and the cross-site check that `proxy.ts`
// applies to every request. No I/O here, so Vitest covers them directly.

/** The headers every response carries, whatever route answers it. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  // Not `no-referrer`: with it, browsers send `Origin: null` on same-origin form
  // posts, which the Server Action origin check would then refuse.
  "referrer-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
  "cross-origin-opener-policy": "same-origin",
};

/** A fresh, unguessable nonce for one response's inline scripts and styles. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}

/**
 * The Content-Security-Policy for one response. Next.js puts `nonce` on its own
 * inline and bootstrap scripts when it finds it in the request's CSP header;
 * 'strict-dynamic' lets those load the chunks they import. No 'unsafe-eval' and
 * no 'unsafe-inline': the browser tests fail on any violation report.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Methods that change state: the only ones a cross-site check must stop. */
const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Whether a request is a cross-site write to refuse (403): an unsafe method whose
 * `Origin` is not this host. `host` is what the client addressed (X-Forwarded-Host,
 * else Host), as Next.js's own Server Action check reads it.
 *
 * A write WITHOUT `Origin` passes: every browser sends `Origin` on POST, PUT and
 * DELETE (form posts included), so a request lacking it cannot be a page on
 * another site acting through a visitor's browser; it is a non-browser client
 * (curl, `ecsotel verify`) that could set any Origin it liked. The app has no
 * cookies or other ambient credentials, so such a client gains nothing a
 * forged Origin would not give it.
 */
export function isCrossSiteWrite(method: string, origin: string | null, host: string | null): boolean {
  if (!UNSAFE_METHODS.has(method.toUpperCase()) || origin === null) return false;
  if (!host) return true;
  try {
    return new URL(origin).host.toLowerCase() !== host.toLowerCase();
  } catch {
    // `Origin: null` (sandboxed frames, opaque origins) and garbage: not this host.
    return true;
  }
}

/** The 403 body for a refused cross-site write. */
export const crossSiteRefused = { detail: "Cross-site requests may not change todos." };
