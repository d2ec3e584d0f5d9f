"use client";
// One todo. Every control is a real <form> posting to a Server Action, so the
// list works without JavaScript. With JavaScript, the toggle takes the other
// path the design names: an optimistic PUT to the same-origin API route.
import { useRouter } from "next/navigation";
import { useActionState, useEffect, useOptimistic, useRef, useState, useTransition } from "react";
import { deleteTodoAction, renameTodoAction, toggleTodoAction } from "@/app/actions";
import { TITLE_MAX, type ActionState, type Todo } from "@/lib/todos/schema";
import { focusRing, primaryButton, quietButton, textInput } from "@/components/ui";

const initial: ActionState = {};

/** A todo row with toggle, rename and delete. */
export function TodoItem({ todo }: { todo: Todo }) {
  const router = useRouter();
  const [completed, setOptimisticCompleted] = useOptimistic(todo.completed);
  const [toggling, startToggle] = useTransition();
  const [toggleError, setToggleError] = useState<string>();
  const [, toggleAction] = useActionState(toggleTodoAction, initial);
  const [renameState, renameAction, renaming] = useActionState(renameTodoAction, initial);
  const [deleteState, deleteAction, deleting] = useActionState(deleteTodoAction, initial);
  const details = useRef<HTMLDetailsElement>(null);

  // Close the rename panel once a rename went through.
  useEffect(() => {
    if (renameState.ok && details.current) details.current.open = false;
  }, [renameState]);

  /** With JavaScript: optimistic toggle through the API-route proxy instead of the Server Action. */
  function onToggle(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // One toggle at a time: two PUTs in flight could land in either order.
    if (toggling) return;
    const next = !completed;
    setToggleError(undefined);
    startToggle(async () => {
      setOptimisticCompleted(next);
      try {
        const response = await fetch(`/api/todos/${todo.id}`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ completed: next }),
        });
        if (!response.ok) setToggleError("Could not save that change. Try again.");
      } catch {
        setToggleError("Could not reach the server. Try again.");
      }
      router.refresh();
    });
  }

  const titleId = `todo-${todo.id}-title`;
  const renameErrorId = `todo-${todo.id}-rename-error`;
  const renameError = renameState.errors?.title?.[0] ?? (renameState.ok ? undefined : renameState.message);
  const status = toggleError ?? deleteState.message;

  return (
    <li
      data-testid="todo-item"
      data-todo-id={todo.id}
      data-completed={completed}
      aria-busy={toggling || deleting || renaming}
      className={`group rounded-2xl bg-white px-4 py-3 shadow-sm ring-1 ring-stone-200 transition-opacity ${
        deleting ? "opacity-50" : ""
      }`}
    >
      <div className="flex items-center gap-3">
        <form action={toggleAction} onSubmit={onToggle} data-testid="toggle-todo-form" data-action="toggle">
          <input type="hidden" name="id" value={todo.id} />
          <input type="hidden" name="completed" value={String(!completed)} />
          <button
            type="submit"
            aria-pressed={completed}
            aria-disabled={toggling || undefined}
            aria-label={completed ? `Mark “${todo.title}” as not done` : `Mark “${todo.title}” as done`}
            className={`grid size-7 place-items-center rounded-full border-2 transition-colors ${
              completed ? "border-teal-700 bg-teal-700 text-white" : "border-stone-300 bg-white hover:border-teal-600"
            } ${focusRing}`}
          >
            <svg aria-hidden="true" viewBox="0 0 20 20" className={`size-4 ${completed ? "" : "invisible"}`}>
              <path d="M5 10.5l3 3 7-7" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
            </svg>
          </button>
        </form>

        <span
          id={titleId}
          data-testid="todo-title"
          className={`min-w-0 flex-1 break-words ${completed ? "text-stone-400 line-through" : "text-stone-900"}`}
        >
          {todo.title}
        </span>

        <form action={deleteAction} data-testid="delete-todo-form" data-action="delete">
          <input type="hidden" name="id" value={todo.id} />
          <button type="submit" disabled={deleting} aria-describedby={titleId} className={quietButton}>
            {deleting ? "Deleting…" : "Delete"}
          </button>
        </form>
      </div>

      <details ref={details} className="mt-1 pl-10">
        <summary
          className={`inline-block cursor-pointer list-none rounded-lg px-1 text-sm text-stone-500 hover:text-stone-800 ${focusRing}`}
        >
          Rename
        </summary>
        <form action={renameAction} data-testid="rename-todo-form" data-action="rename" className="mt-2 flex flex-col gap-2 sm:flex-row">
          <input type="hidden" name="id" value={todo.id} />
          <label htmlFor={`todo-${todo.id}-rename`} className="sr-only">
            New title for “{todo.title}”
          </label>
          <input
            id={`todo-${todo.id}-rename`}
            name="title"
            type="text"
            required
            maxLength={TITLE_MAX}
            autoComplete="off"
            defaultValue={renameState.ok ? todo.title : (renameState.values?.title ?? todo.title)}
            aria-invalid={renameError ? true : undefined}
            aria-describedby={renameErrorId}
            className={textInput}
          />
          <button type="submit" disabled={renaming} className={primaryButton}>
            {renaming ? "Saving…" : "Save"}
          </button>
        </form>
        <p id={renameErrorId} aria-live="polite" className="mt-1 text-sm text-rose-700">
          {renameError}
        </p>
      </details>

      <p aria-live="polite" className="text-sm text-rose-700 empty:hidden">
        {status !== "Deleted." ? status : undefined}
      </p>
    </li>
  );
}
