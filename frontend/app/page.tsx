// `/`: one page of todos, rendered on the server from fastapi-app on every request.
// `?after=<cursor>` is the page after a cursor (the "Show more" link without JavaScript);
// `?notice=<code>` says why a row's change failed without JavaScript.
import Link from "next/link";
import { BackendDown } from "@/components/backend-down";
import { CreateTodoForm } from "@/components/create-todo-form";
import { TodoList } from "@/components/todo-list";
import { listTodos, todoStats, type TodoListResult } from "@/lib/backend";
import { noticeMessage, type TodoStats } from "@/lib/todos/schema";

// Always fresh: the list must reflect the backend, never a build-time snapshot.
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<{ after?: string | string[]; notice?: string | string[] }> };

/** The header's line: the counts of the whole list, not of this page. */
function summary(result: TodoListResult, stats: TodoStats | undefined): string {
  if (!result.ok && result.reason === "unavailable") return "Waiting for the todo service…";
  if (!stats) return "";
  return stats.total === 0 ? "Nothing planned yet." : `${stats.open} open · ${stats.done} done`;
}

/** Renders one page of the todo list, or a notice that the backend is unreachable. */
export default async function HomePage({ searchParams }: Props) {
  const { after, notice } = await searchParams;
  const cursor = typeof after === "string" && after ? after : undefined;
  const [result, stats] = await Promise.all([listTodos(cursor), todoStats()]);

  return (
    <main className="mx-auto flex w-full max-w-2xl flex-col gap-6 px-4 py-10 sm:py-16">
      <header className="flex flex-col gap-1">
        <h1 className="text-3xl font-semibold tracking-tight text-stone-900">Todos</h1>
        <p className="text-sm text-stone-500">{summary(result, stats)}</p>
      </header>

      <CreateTodoForm />

      {noticeMessage(notice) ? (
        <p role="alert" data-testid="notice" className="text-center text-sm text-rose-700">
          {noticeMessage(notice)}
        </p>
      ) : null}

      {!result.ok && result.reason === "bad-cursor" ? (
        <p role="alert" data-testid="bad-cursor" className="text-center text-stone-500">
          That page link is not valid (any more).{" "}
          <Link href="/" className="underline underline-offset-2">
            Back to the first page
          </Link>
        </p>
      ) : !result.ok ? (
        <BackendDown />
      ) : result.todos.length === 0 ? (
        <p
          data-testid="empty-state"
          className="rounded-2xl border border-dashed border-stone-300 px-6 py-10 text-center text-stone-500"
        >
          {cursor ? "No more todos." : "No todos yet. Add the first one above."}
        </p>
      ) : (
        <TodoList
          todos={result.todos.map(({ id, title, completed }) => ({ id, title, completed }))}
          next={result.next}
        />
      )}
    </main>
  );
}
