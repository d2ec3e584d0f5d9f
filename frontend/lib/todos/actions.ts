"use server";
// The todo Server Actions, imported by the page's components (never the other way
// round). Each validates its form with zod (mirroring the backend), calls the data
// layer and revalidates `/` (every page of it). The create form reads a typed state
// through useActionState; the row actions are plain form actions, the path a browser
// without JavaScript takes (with JavaScript the rows call the API-route proxy).
import { metrics, SpanStatusCode, trace } from "@opentelemetry/api";
import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { createTodo, deleteTodo, updateTodo, type WriteResult } from "@/lib/backend";
import { log } from "@/lib/log";
import {
  backendErrorMessage,
  createTodoForm,
  deleteTodoForm,
  formFields,
  renameTodoForm,
  NOTICES,
  toggleTodoForm,
  type ActionState,
  type NoticeCode,
} from "@/lib/todos/schema";

type ActionName = "create" | "rename" | "toggle" | "delete";
type Outcome = "ok" | "invalid" | "error";

const UNAVAILABLE = NOTICES.unavailable;

/** Runs one action inside its own span and counts it by name and outcome (never ids or text). */
async function instrumented(
  action: ActionName,
  run: () => Promise<{ outcome: Outcome; state: ActionState }>,
): Promise<ActionState> {
  return trace.getTracer("nextjs-app").startActiveSpan(`server_action ${action}`, async (span) => {
    let outcome: Outcome = "error";
    try {
      const result = await run();
      outcome = result.outcome;
      return result.state;
    } finally {
      span.setAttributes({ "app.action": action, "app.outcome": outcome });
      if (outcome === "error") span.setStatus({ code: SpanStatusCode.ERROR });
      // Inside the span, so the record carries its trace and span ids.
      log(outcome === "error" ? "error" : "info", "server action", { "app.action": action, "app.outcome": outcome });
      span.end();
      // Looked up per call: a meter taken before the SDK registered would stay a no-op.
      metrics
        .getMeter("nextjs-app")
        .createCounter("app.server_action.invocations", {
          unit: "{invocation}",
          description: "Server Action invocations by action and outcome",
        })
        .add(1, { "app.action": action, "app.outcome": outcome });
    }
  });
}

/** Maps the data layer's answer to an outcome and a message for the form. */
function fromWrite(result: WriteResult, success: string): { outcome: Outcome; state: ActionState } {
  if (result.ok) {
    revalidatePath("/");
    return { outcome: "ok", state: { ok: true, message: success } };
  }
  if (result.status === "unavailable" || result.status >= 500) {
    return { outcome: "error", state: { message: UNAVAILABLE } };
  }
  if (result.status === 404) {
    revalidatePath("/");
    return { outcome: "invalid", state: { message: NOTICES.gone } };
  }
  const message = backendErrorMessage(result.body) ?? "The todo service refused the change.";
  return { outcome: "invalid", state: { errors: { title: [message] }, message } };
}

/** The state of a form whose fields failed validation, keeping what was typed. */
function invalidTitle(error: z.ZodError, formData: FormData): ActionState {
  return { errors: z.flattenError(error).fieldErrors, values: { title: formFields(formData).title } };
}

/** Keeps the typed title on a failed write, so the user need not type it again. */
function keepTitle(result: { outcome: Outcome; state: ActionState }, formData: FormData) {
  if (result.outcome === "ok") return result;
  return { ...result, state: { ...result.state, values: { title: formFields(formData).title } } };
}

/** Adds a todo from the create form (`title`). */
export async function createTodoAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  return instrumented("create", async () => {
    const parsed = createTodoForm.safeParse(formFields(formData));
    if (!parsed.success) {
      return { outcome: "invalid", state: invalidTitle(parsed.error, formData) };
    }
    const result = fromWrite(await createTodo(parsed.data.title), `Added “${parsed.data.title}”.`);
    return keepTitle(result, formData);
  });
}

/**
 * After a row's change (a post without JavaScript), back to the page it came from
 * (post/redirect/get), with `?notice=<code>` when it failed: a plain form action
 * has no state to show.
 */
async function backToPage(state: ActionState, action: ActionName): Promise<never> {
  const referer = (await headers()).get("referer");
  const after = referer ? new URL(referer, "http://page.invalid").searchParams.get("after") : null;
  const query = new URLSearchParams(after ? { after } : {});
  if (!state.ok) query.set("notice", noticeFor(state, action));
  redirect(query.size ? `/?${query}` : "/");
}

/** The notice code of a failed row change. */
function noticeFor(state: ActionState, action: ActionName): NoticeCode {
  if (state.message === NOTICES.unavailable) return "unavailable";
  if (state.message === NOTICES.gone) return "gone";
  return action === "rename" && state.errors?.title ? "invalid" : "refused";
}

/** Renames a todo from a row's form (`id`, `title`); a no-JavaScript post. */
export async function renameTodoAction(formData: FormData): Promise<void> {
  const state = await instrumented("rename", async () => {
    const parsed = renameTodoForm.safeParse(formFields(formData));
    if (!parsed.success) return { outcome: "invalid", state: invalidTitle(parsed.error, formData) };
    const { id, title } = parsed.data;
    return fromWrite(await updateTodo(id, { title }), `Renamed to “${title}”.`);
  });
  await backToPage(state, "rename");
}

/** Sets a todo's completed flag from a row's form (`id`, `completed` = "true"|"false"). */
export async function toggleTodoAction(formData: FormData): Promise<void> {
  const state = await instrumented("toggle", async () => {
    const parsed = toggleTodoForm.safeParse(formFields(formData));
    if (!parsed.success) return { outcome: "invalid", state: { message: "That todo cannot be changed." } };
    const { id, completed } = parsed.data;
    return fromWrite(await updateTodo(id, { completed }), completed ? "Marked done." : "Marked not done.");
  });
  await backToPage(state, "toggle");
}

/** Deletes a todo from a row's form (`id`). */
export async function deleteTodoAction(formData: FormData): Promise<void> {
  const state = await instrumented("delete", async () => {
    const parsed = deleteTodoForm.safeParse(formFields(formData));
    if (!parsed.success) return { outcome: "invalid", state: { message: "That todo cannot be deleted." } };
    return fromWrite(await deleteTodo(parsed.data.id), "Deleted.");
  });
  await backToPage(state, "delete");
}
