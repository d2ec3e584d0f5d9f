"use client";
// The create form. It posts to a Server Action, so it also works without
// JavaScript; with JavaScript it shows a pending state and inline errors.
import { useActionState } from "react";
import { createTodoAction } from "@/lib/todos/actions";
import { TITLE_MAX, type ActionState } from "@/lib/todos/schema";
import { primaryButton, textInput } from "@/components/ui";

const initial: ActionState = {};

/** The "new todo" form with accessible validation messages. */
export function CreateTodoForm() {
  const [state, formAction, pending] = useActionState(createTodoAction, initial);
  const error = state.errors?.title?.[0];

  return (
    <form
      action={formAction}
      data-testid="create-todo-form"
      data-action="create"
      className="flex flex-col gap-2 rounded-2xl bg-white p-4 shadow-sm ring-1 ring-stone-200"
    >
      <label htmlFor="new-todo-title" className="text-sm font-medium text-stone-700">
        New todo
      </label>
      <div className="flex flex-col gap-2 sm:flex-row">
        <input
          id="new-todo-title"
          name="title"
          type="text"
          required
          maxLength={TITLE_MAX}
          autoComplete="off"
          placeholder="What needs doing?"
          aria-invalid={error ? true : undefined}
          aria-describedby="new-todo-hint new-todo-error"
          defaultValue={state.ok ? "" : state.values?.title}
          className={textInput}
        />
        <button type="submit" disabled={pending} className={primaryButton}>
          {pending ? "Adding…" : "Add"}
        </button>
      </div>
      <p id="new-todo-hint" className="text-xs text-stone-500">
        1–{TITLE_MAX} characters.
      </p>
      <p id="new-todo-error" aria-live="polite" data-testid="create-todo-error" className="text-sm text-rose-700">
        {error ?? (!state.ok ? state.message : undefined)}
      </p>
      <p aria-live="polite" className="sr-only">
        {state.ok ? state.message : undefined}
      </p>
    </form>
  );
}
