"use client";
// The list: the page's todos, then the pages "Show more" loaded. The link is a
// plain `?after=<cursor>` link, so it works without JavaScript; with JavaScript
// it fetches the next page through the API-route proxy and follows its `Link`.
import { useState, type MouseEvent } from "react";
import { TodoItem } from "@/components/todo-item";
import { nextCursor } from "@/lib/todos/link";
import { todoListSchema, type TodoRow } from "@/lib/todos/schema";

/** The rows of one page and the cursor of the page after it, if any. */
export function TodoList({ todos, next }: { todos: TodoRow[]; next?: string }) {
  const [more, setMore] = useState<TodoRow[]>([]);
  // undefined: nothing loaded yet, so the page's own cursor applies; null: the end.
  const [moreNext, setMoreNext] = useState<string | null>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const cursor = moreNext === undefined ? next : (moreNext ?? undefined);
  // After a refresh the page's rows may now include rows loaded before: show each once.
  const shown = new Set(todos.map((todo) => todo.id));

  async function showMore(event: MouseEvent<HTMLAnchorElement>) {
    if (!cursor || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    if (loading) return;
    setLoading(true);
    setError(undefined);
    try {
      const response = await fetch(`/api/todos?${new URLSearchParams({ cursor })}`, { cache: "no-store" });
      const page = todoListSchema.safeParse(response.ok ? await response.json() : null);
      if (!page.success) throw new Error(`GET /api/todos -> ${response.status}`);
      const rows = page.data.map(({ id, title, completed }) => ({ id, title, completed }));
      setMore((loaded) => [...loaded, ...rows]);
      setMoreNext(nextCursor(response.headers.get("link")) ?? null);
    } catch {
      setError("Could not load more todos. Try again.");
    } finally {
      setLoading(false);
    }
  }

  return (
    <>
      <ul aria-label="Todos" className="flex flex-col gap-2">
        {todos.map((todo) => (
          <TodoItem key={todo.id} todo={todo} />
        ))}
        {more
          .filter((todo) => !shown.has(todo.id))
          .map((todo) => (
            <TodoItem key={todo.id} todo={todo} />
          ))}
      </ul>
      {cursor ? (
        <a
          href={`/?${new URLSearchParams({ after: cursor })}`}
          onClick={showMore}
          aria-busy={loading}
          data-testid="show-more"
          className="btn-quiet self-center"
        >
          {loading ? "Loading…" : "Show more"}
        </a>
      ) : null}
      <p aria-live="polite" className="text-center text-sm text-rose-700 empty:hidden">
        {error}
      </p>
    </>
  );
}
