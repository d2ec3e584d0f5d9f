import "server-only";
// The server-only data layer: the one module that reads process.env and calls
// fastapi-app. Pages, Server Actions and API routes all go through it, so every
// backend call gets the same timeout, error mapping and trace propagation.
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { log } from "@/lib/log";
import {
  classifyFetchError,
  clientBody,
  forwardedResponseHeaders,
  type BackendResult,
} from "@/lib/proxy";
import { nextCursor } from "@/lib/todos/link";
import { todoListSchema, todoSchema, todoStatsSchema, type Todo, type TodoStats } from "@/lib/todos/schema";

/** Where fastapi-app listens (locally http://127.0.0.1:8000, on ECS http://fastapi.local:8000). */
function backendUrl(): string {
  const url = process.env.BACKEND_URL;
  if (!url) throw new Error("BACKEND_URL is not set (e.g. http://127.0.0.1:8000)");
  return url.replace(/\/+$/, "");
}

/** How long one backend call may take before the proxy answers 504. */
function timeoutMs(): number {
  const value = Number(process.env.BACKEND_TIMEOUT_MS ?? "5000");
  return Number.isFinite(value) && value > 0 ? value : 5000;
}

const tracer = trace.getTracer("nextjs-app");

/**
 * Calls the backend. `route` is the path template used as span name (never an id);
 * the trace context is injected for every host (fastapi.local included).
 */
export async function callBackend(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  route: string,
  body?: string,
): Promise<BackendResult> {
  const url = `${backendUrl()}${path}`;
  const { hostname, port } = new URL(url);
  return tracer.startActiveSpan(
    `${method} ${route}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "http.request.method": method,
        "url.full": url,
        "server.address": hostname,
        "server.port": Number(port || 80),
      },
    },
    async (span): Promise<BackendResult> => {
      // Built from scratch, never copied from the client's request: no Host,
      // X-Forwarded-*, cookies or other client headers reach the backend.
      const headers: Record<string, string> = { accept: "application/json" };
      if (body !== undefined) headers["content-type"] = "application/json";
      propagation.inject(context.active(), headers);
      try {
        const response = await fetch(url, {
          method,
          headers,
          body,
          cache: "no-store",
          signal: AbortSignal.timeout(timeoutMs()),
        });
        span.setAttribute("http.response.status_code", response.status);
        if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return {
          kind: "response",
          status: response.status,
          body: clientBody(response.status, await response.text()),
          headers: forwardedResponseHeaders(response.headers),
        };
      } catch (error) {
        const failure = classifyFetchError(error);
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
        log("error", "backend call failed", { "http.request.method": method, "http.route": route, failure });
        return { kind: "failure", failure };
      } finally {
        span.end();
      }
    },
  );
}

/** One page of todos for the page (and the next page's cursor), or why there is none. */
export type TodoListResult =
  | { ok: true; todos: Todo[]; next?: string }
  | { ok: false; reason: "unavailable" | "bad-cursor" };

/** Fetches one page of todos, oldest first, starting after `cursor` (the backend's order). */
export async function listTodos(cursor?: string): Promise<TodoListResult> {
  const query = cursor ? `?${new URLSearchParams({ cursor })}` : "";
  const result = await callBackend("GET", `/api/todos/${query}`, "/api/todos/");
  if (result.kind === "response" && result.status === 422) return { ok: false, reason: "bad-cursor" };
  if (result.kind === "failure" || result.status !== 200) return { ok: false, reason: "unavailable" };
  const parsed = todoListSchema.safeParse(result.body);
  if (!parsed.success) return { ok: false, reason: "unavailable" };
  return { ok: true, todos: parsed.data, next: nextCursor(result.headers?.link) };
}

/** The header's counts from the backend's one aggregate query, or undefined when unavailable. */
export async function todoStats(): Promise<TodoStats | undefined> {
  const result = await callBackend("GET", "/api/todos/stats", "/api/todos/stats");
  if (result.kind === "failure" || result.status !== 200) return undefined;
  const parsed = todoStatsSchema.safeParse(result.body);
  return parsed.success ? parsed.data : undefined;
}

/** The outcome of a write: the todo, a backend validation message, or unavailability. */
export type WriteResult =
  | { ok: true; todo?: Todo }
  | { ok: false; status: number; body: unknown }
  | { ok: false; status: "unavailable" };

function writeResult(result: BackendResult, expected: number): WriteResult {
  if (result.kind === "failure") return { ok: false, status: "unavailable" };
  if (result.status !== expected) return { ok: false, status: result.status, body: result.body };
  if (expected === 204) return { ok: true };
  const todo = todoSchema.safeParse(result.body);
  return todo.success ? { ok: true, todo: todo.data } : { ok: false, status: 502, body: result.body };
}

/** Creates a todo. */
export async function createTodo(title: string): Promise<WriteResult> {
  const result = await callBackend("POST", "/api/todos/", "/api/todos/", JSON.stringify({ title }));
  return writeResult(result, 201);
}

/** Updates a todo's title and/or completed flag. */
export async function updateTodo(
  id: number,
  patch: { title?: string; completed?: boolean },
): Promise<WriteResult> {
  const result = await callBackend("PUT", `/api/todos/${id}`, "/api/todos/{id}", JSON.stringify(patch));
  return writeResult(result, 200);
}

/** Deletes a todo. */
export async function deleteTodo(id: number): Promise<WriteResult> {
  const result = await callBackend("DELETE", `/api/todos/${id}`, "/api/todos/{id}");
  return writeResult(result, 204);
}
