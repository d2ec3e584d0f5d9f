// GET/PUT/DELETE /api/todos/[id]: proxy to fastapi-app's /api/todos/{id}. The page's
// toggle button uses PUT from the browser, so this path is exercised by real users.
import { callBackend } from "@/lib/backend";
import {
  invalidIdBody,
  isTodoId,
  jsonResponse,
  proxyAnswer,
  readLimitedBody,
  tooLargeBody,
} from "@/lib/proxy";

type Context = { params: Promise<{ id: string }> };
const ROUTE = "/api/todos/{id}";

/** Reads one todo. */
export async function GET(_request: Request, { params }: Context): Promise<Response> {
  const { id } = await params;
  if (!isTodoId(id)) return jsonResponse(422, invalidIdBody);
  return proxyAnswer(await callBackend("GET", `/api/todos/${id}`, ROUTE));
}

/** Updates a todo from a JSON body with `title` and/or `completed` (at most 64 KiB). */
export async function PUT(request: Request, { params }: Context): Promise<Response> {
  const { id } = await params;
  const body = await readLimitedBody(request);
  if (!body.ok) return jsonResponse(413, tooLargeBody);
  if (!isTodoId(id)) return jsonResponse(422, invalidIdBody);
  return proxyAnswer(await callBackend("PUT", `/api/todos/${id}`, ROUTE, body.text));
}

/** Deletes a todo. */
export async function DELETE(_request: Request, { params }: Context): Promise<Response> {
  const { id } = await params;
  if (!isTodoId(id)) return jsonResponse(422, invalidIdBody);
  return proxyAnswer(await callBackend("DELETE", `/api/todos/${id}`, ROUTE));
}
