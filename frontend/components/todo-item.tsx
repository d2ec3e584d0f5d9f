"use client";
// One todo row, light on purpose: three small forms on shared class names, and
// only id, title and completed as props. Without JavaScript each form posts to
// its Server Action. With JavaScript the row calls the API-route proxy instead
// (the toggle optimistically), so rows loaded by "Show more" work the same way.
import { useRouter } from "next/navigation";
import { useRef, useState, useTransition, type FormEvent } from "react";
import { deleteTodoAction, renameTodoAction, toggleTodoAction } from "@/lib/todos/actions";
import { backendErrorMessage, TITLE_MAX, titleSchema, type TodoRow } from "@/lib/todos/schema";

type Local = Partial<TodoRow> & { gone?: boolean };

/** Sends one change to the API-route proxy; the message to show, or undefined on success. */
async function send(id: number, method: "PUT" | "DELETE", body?: object): Promise<string | undefined> {
  try {
    const response = await fetch(`/api/todos/${id}`, {
      method,
      headers: body ? { "content-type": "application/json" } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.ok || (method === "DELETE" && response.status === 404)) return undefined;
    if (response.status === 404) return "That todo no longer exists.";
    const detail: unknown = await response.json().catch(() => null);
    return (response.status < 500 && backendErrorMessage(detail)) || "Could not save that change. Try again.";
  } catch {
    return "Could not reach the server. Try again.";
  }
}

/** A todo row with toggle, rename and delete. */
export function TodoItem({ todo }: { todo: TodoRow }) {
  const router = useRouter();
  // What this row changed since its props were rendered; new props (a refresh) reset it.
  const [local, setLocal] = useState<Local>({});
  const [rendered, setRendered] = useState(todo);
  const [error, setError] = useState<string>();
  const [busy, startTransition] = useTransition();
  const details = useRef<HTMLDetailsElement>(null);
  if (rendered !== todo) {
    setRendered(todo);
    setLocal({});
  }
  const { id, title, completed } = { ...todo, ...local };
  if (local.gone) return null;

  /** Runs a change through the proxy, then refreshes the page's counts. */
  function change(event: FormEvent<HTMLFormElement>, work: () => Promise<void>) {
    event.preventDefault();
    // One change at a time: two PUTs in flight could land in either order.
    if (busy) return;
    setError(undefined);
    startTransition(async () => {
      await work();
      router.refresh();
    });
  }

  const onToggle = (event: FormEvent<HTMLFormElement>) => {
    const next = !completed;
    setLocal((state) => ({ ...state, completed: next }));
    change(event, async () => {
      const failed = await send(id, "PUT", { completed: next });
      if (failed) {
        setLocal((state) => ({ ...state, completed: !next }));
        setError(failed);
      }
    });
  };

  const onDelete = (event: FormEvent<HTMLFormElement>) =>
    change(event, async () => {
      const failed = await send(id, "DELETE");
      if (failed) setError(failed);
      else setLocal({ gone: true });
    });

  const onRename = (event: FormEvent<HTMLFormElement>) => {
    const parsed = titleSchema.safeParse(new FormData(event.currentTarget).get("title"));
    if (!parsed.success) {
      event.preventDefault();
      setError(parsed.error.issues[0]?.message);
      return;
    }
    change(event, async () => {
      const failed = await send(id, "PUT", { title: parsed.data });
      if (failed) return setError(failed);
      setLocal((state) => ({ ...state, title: parsed.data }));
      if (details.current) details.current.open = false;
    });
  };

  const titleId = `todo-${id}`;
  const errorId = `todo-${id}-error`;
  return (
    <li data-testid="todo-item" data-todo-id={id} data-completed={completed} aria-busy={busy || undefined} className="todo">
      <form action={toggleTodoAction} onSubmit={onToggle} data-testid="toggle-todo-form" data-action="toggle">
        <input type="hidden" name="id" value={id} />
        <input type="hidden" name="completed" value={String(!completed)} />
        <button
          aria-pressed={completed}
          aria-label={`Mark “${title}” as ${completed ? "not done" : "done"}`}
          className="todo-check"
        />
      </form>
      <span id={titleId} className="todo-title">
        {title}
      </span>
      <form action={deleteTodoAction} onSubmit={onDelete} data-testid="delete-todo-form" data-action="delete">
        <input type="hidden" name="id" value={id} />
        <button aria-describedby={titleId} className="btn-quiet">
          Delete
        </button>
      </form>
      <details ref={details} className="todo-rename">
        <summary>Rename</summary>
        <form action={renameTodoAction} onSubmit={onRename}>
          <input type="hidden" name="id" value={id} />
          <input
            name="title"
            required
            maxLength={TITLE_MAX}
            autoComplete="off"
            defaultValue={title}
            aria-label="New title"
            aria-invalid={error ? true : undefined}
            aria-describedby={errorId}
            className="field"
          />
          <button className="btn-primary">Save</button>
        </form>
      </details>
      <p id={errorId} aria-live="polite" className="todo-error">
        {error}
      </p>
    </li>
  );
}
