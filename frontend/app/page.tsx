// `/`: the todo list, rendered on the server from fastapi-app on every request.
import { BackendDown } from "@/components/backend-down";
import { CreateTodoForm } from "@/components/create-todo-form";
import { TodoItem } from "@/components/todo-item";
import { listTodos } from "@/lib/backend";

// Always fresh: the list must reflect the backend, never a build-time snapshot.
export const dynamic = "force-dynamic";

/** Renders the todo list, or a notice that the backend is unreachable. */
export default async function HomePage() {
  const result = await listTodos();
  const open = result.ok ? result.todos.filter((todo) => !todo.completed).length : 0;

  return (
    <main className="mx-auto flex w-full max-w-2xl flex-col gap-6 px-4 py-10 sm:py-16">
      <header className="flex flex-col gap-1">
        <h1 className="text-3xl font-semibold tracking-tight text-stone-900">Todos</h1>
        <p className="text-sm text-stone-500">
          {result.ok
            ? result.todos.length === 0
              ? "Nothing planned yet."
              : `${open} open · ${result.todos.length - open} done`
            : "Waiting for the todo service…"}
        </p>
      </header>

      <CreateTodoForm />

      {result.ok ? (
        result.todos.length === 0 ? (
          <p
            data-testid="empty-state"
            className="rounded-2xl border border-dashed border-stone-300 px-6 py-10 text-center text-stone-500"
          >
            No todos yet. Add the first one above.
          </p>
        ) : (
          <ul aria-label="Todos" className="flex flex-col gap-2">
            {result.todos.map((todo) => (
              <TodoItem key={todo.id} todo={todo} />
            ))}
          </ul>
        )
      ) : (
        <BackendDown />
      )}
    </main>
  );
}
