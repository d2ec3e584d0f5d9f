// GET/POST /api/todos: proxy to fastapi-app's /api/todos/ (status and JSON pass through).
import { callBackend } from "@/lib/backend";
import { jsonResponse, proxyAnswer, readLimitedBody, tooLargeBody } from "@/lib/proxy";

/** Lists every todo. */
export async function GET(): Promise<Response> {
  return proxyAnswer(await callBackend("GET", "/api/todos/", "/api/todos/"));
}

/** Creates a todo from a JSON body `{"title": "..."}` (at most 64 KiB). */
export async function POST(request: Request): Promise<Response> {
  const body = await readLimitedBody(request);
  if (!body.ok) return jsonResponse(413, tooLargeBody);
  return proxyAnswer(await callBackend("POST", "/api/todos/", "/api/todos/", body.text));
}
