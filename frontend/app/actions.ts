"use server";
// The todo Server Actions. Each validates its form with zod (mirroring the
// backend), calls the data layer, revalidates `/` and hands a typed state to
// useActionState. They also work as plain no-JS form posts (progressive enhancement).
import { metrics, SpanStatusCode, trace } from "@opentelemetry/api";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createTodo, deleteTodo, updateTodo, type WriteResult } from "@/lib/backend";
import { log } from "@/lib/log";
import {
  backendErrorMessage,
  createTodoForm,
  deleteTodoForm,
  formFields,
  renameTodoForm,
  toggleTodoForm,
  type ActionState,
} from "@/lib/todos/schema";

type ActionName = "create" | "rename" | "toggle" | "delete";
type Outcome = "ok" | "invalid" | "error";

const UNAVAILABLE = "The todo service is unreachable. Try again in a moment.";

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
    return { outcome: "invalid", state: { message: "That todo no longer exists." } };
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

/** Renames a todo from its rename form (`id`, `title`). */
export async function renameTodoAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  return instrumented("rename", async () => {
    const parsed = renameTodoForm.safeParse(formFields(formData));
    if (!parsed.success) {
      return { outcome: "invalid", state: invalidTitle(parsed.error, formData) };
    }
    const { id, title } = parsed.data;
    return keepTitle(fromWrite(await updateTodo(id, { title }), `Renamed to “${title}”.`), formData);
  });
}

/** Sets a todo's completed flag from its toggle form (`id`, `completed` = "true"|"false"). */
export async function toggleTodoAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  return instrumented("toggle", async () => {
    const parsed = toggleTodoForm.safeParse(formFields(formData));
    if (!parsed.success) {
      return { outcome: "invalid", state: { message: "That todo cannot be changed." } };
    }
    const { id, completed } = parsed.data;
    return fromWrite(await updateTodo(id, { completed }), completed ? "Marked done." : "Marked not done.");
  });
}

/** Deletes a todo from its delete form (`id`). */
export async function deleteTodoAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  return instrumented("delete", async () => {
    const parsed = deleteTodoForm.safeParse(formFields(formData));
    if (!parsed.success) {
      return { outcome: "invalid", state: { message: "That todo cannot be deleted." } };
    }
    return fromWrite(await deleteTodo(parsed.data.id), "Deleted.");
  });
}
