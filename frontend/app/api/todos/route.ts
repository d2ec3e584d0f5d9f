// GET/POST /api/todos: proxy to fastapi-app's /api/todos/ (status, JSON and Link pass through).
import { callBackend } from "@/lib/backend";
import { jsonResponse, listQuery, proxyAnswer, readLimitedBody, tooLargeBody } from "@/lib/proxy";

/** Lists one page of todos; forwards `limit` and `cursor`, and the `Link` rel="next" back. */
export async function GET(request: Request): Promise<Response> {
  const query = listQuery(new URL(request.url));
  return proxyAnswer(await callBackend("GET", `/api/todos/${query}`, "/api/todos/"));
}

/** Creates a todo from a JSON body `{"title": "..."}` (at most 64 KiB). */
export async function POST(request: Request): Promise<Response> {
  const body = await readLimitedBody(request);
  if (!body.ok) return jsonResponse(413, tooLargeBody);
  return proxyAnswer(await callBackend("POST", "/api/todos/", "/api/todos/", body.text));
}
