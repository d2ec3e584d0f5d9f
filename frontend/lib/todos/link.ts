// Reading a `Link: <...>; rel="next"` header (RFC 8288), shared by the data layer,
// the proxy and the browser's "Show more". Pure, so it runs on both sides.

/** The target of the rel="next" link in a `Link` header, or undefined when there is none. */
export function nextUrl(link: string | null | undefined): URL | undefined {
  for (const part of (link ?? "").split(",")) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match?.[1] !== undefined && /(^|;)\s*rel="?next"?\s*(;|$)/.test(match[2] ?? "")) {
      return new URL(match[1], "http://link.invalid");
    }
  }
  return undefined;
}

/** The `cursor` of the rel="next" link, or undefined on the last page. */
export function nextCursor(link: string | null | undefined): string | undefined {
  return nextUrl(link)?.searchParams.get("cursor") ?? undefined;
}
