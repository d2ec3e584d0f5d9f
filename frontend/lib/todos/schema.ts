// The todo contract shared by the Server Actions, the data layer and the tests.
// Validation mirrors fastapi-app's TodoCreate/TodoUpdate: title trimmed, 1-200 characters.
import { z } from "zod";

// zod probes `new Function("")` to decide whether to compile its parsers; in the
// browser that probe is a violation of the CSP (no 'unsafe-eval'), so it is told
// not to try. The interpreted parsers are plenty for forms this small.
z.config({ jitless: true });

export const TITLE_MAX = 200;

/** A todo exactly as the backend returns it. */
export const todoSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  completed: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Todo = z.infer<typeof todoSchema>;
export const todoListSchema = z.array(todoSchema);

/** What a row needs and nothing more: the page hands only these fields to the client. */
export type TodoRow = Pick<Todo, "id" | "title" | "completed">;

/** The counts of `GET /api/todos/stats`. */
export const todoStatsSchema = z.object({ total: z.number().int(), open: z.number().int(), done: z.number().int() });
export type TodoStats = z.infer<typeof todoStatsSchema>;

export const titleSchema = z
  .string({ error: "Enter a title." })
  .trim()
  .min(1, { error: "Enter a title." })
  .max(TITLE_MAX, { error: `Keep the title to ${TITLE_MAX} characters or fewer.` });

export const todoIdSchema = z.coerce
  .number({ error: "Unknown todo." })
  .int({ error: "Unknown todo." })
  .positive({ error: "Unknown todo." });

/** Form data of the create form. */
export const createTodoForm = z.object({ title: titleSchema });

/** Form data of the rename form. */
export const renameTodoForm = z.object({ id: todoIdSchema, title: titleSchema });

/** Form data of the toggle form: `completed` is the state to set ("true"/"false"). */
export const toggleTodoForm = z.object({
  id: todoIdSchema,
  completed: z.enum(["true", "false"], { error: "Unknown state." }).transform((v) => v === "true"),
});

/** Form data of the delete form. */
export const deleteTodoForm = z.object({ id: todoIdSchema });

/** What a Server Action hands back to `useActionState`. */
export type ActionState = {
  errors?: { title?: string[]; id?: string[] };
  message?: string;
  ok?: boolean;
  /** What the user typed, so a rejected form keeps it after React resets the form. */
  values?: { title?: string };
};

/**
 * Why a row's change failed without JavaScript: the action sends the browser back to
 * the page with `?notice=<code>`. Codes, never text, so no one can put words on the page.
 */
export const NOTICES = {
  invalid: `Titles are 1 to ${TITLE_MAX} characters.`,
  gone: "That todo no longer exists.",
  unavailable: "The todo service is unreachable. Try again in a moment.",
  refused: "The todo service refused the change.",
} as const;
export type NoticeCode = keyof typeof NOTICES;

/** The message of a `?notice=` code, or undefined for anything else. */
export function noticeMessage(code: unknown): string | undefined {
  return typeof code === "string" && Object.hasOwn(NOTICES, code) ? NOTICES[code as NoticeCode] : undefined;
}

/** Turns FormData into a plain object of its string fields (files and Next's `$ACTION_*` fields dropped). */
export function formFields(formData: FormData): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    if (typeof value === "string" && !key.startsWith("$ACTION")) fields[key] = value;
  }
  return fields;
}

/** Reads the first message of FastAPI's 422 `{"detail": [{loc, msg}]}` (or a string detail), if any. */
export function backendErrorMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("detail" in body)) return undefined;
  const detail = (body as { detail: unknown }).detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    const first: unknown = detail[0];
    if (typeof first === "object" && first !== null && "msg" in first) {
      return String((first as { msg: unknown }).msg);
    }
  }
  return undefined;
}
