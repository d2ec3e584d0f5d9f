// GET /api/health: the load balancer's check. It never touches the backend, so a
// database outage does not take the web tier out of the target group.

/** Answers 200 while this server is up. */
export function GET(): Response {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
