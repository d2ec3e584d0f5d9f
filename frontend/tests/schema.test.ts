// The form validation mirrors the backend: titles are trimmed and 1-200 characters.
import { describe, expect, it } from "vitest";
import {
  backendErrorMessage,
  createTodoForm,
  formFields,
  noticeMessage,
  renameTodoForm,
  toggleTodoForm,
  TITLE_MAX,
} from "@/lib/todos/schema";

describe("title validation", () => {
  it("trims the title", () => {
    expect(createTodoForm.parse({ title: "  buy milk  " })).toEqual({ title: "buy milk" });
  });

  it("rejects a blank title with a message", () => {
    const result = createTodoForm.safeParse({ title: "   " });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Enter a title.");
  });

  it("rejects a missing title", () => {
    expect(createTodoForm.safeParse({}).success).toBe(false);
  });

  it("accepts exactly 200 characters and rejects 201", () => {
    expect(createTodoForm.safeParse({ title: "x".repeat(TITLE_MAX) }).success).toBe(true);
    const tooLong = createTodoForm.safeParse({ title: "x".repeat(TITLE_MAX + 1) });
    expect(tooLong.error?.issues[0]?.message).toContain("200 characters");
  });
});

describe("id and toggle fields", () => {
  it("coerces a form id to a number", () => {
    expect(renameTodoForm.parse({ id: "12", title: "a" })).toEqual({ id: 12, title: "a" });
  });

  it("rejects a non-numeric or negative id", () => {
    expect(renameTodoForm.safeParse({ id: "abc", title: "a" }).success).toBe(false);
    expect(renameTodoForm.safeParse({ id: "-3", title: "a" }).success).toBe(false);
  });

  it("reads completed as the literal strings true/false only", () => {
    expect(toggleTodoForm.parse({ id: "1", completed: "true" })).toEqual({ id: 1, completed: true });
    expect(toggleTodoForm.parse({ id: "1", completed: "false" })).toEqual({ id: 1, completed: false });
    expect(toggleTodoForm.safeParse({ id: "1", completed: "yes" }).success).toBe(false);
  });
});

describe("formFields", () => {
  it("drops Next.js's hidden $ACTION fields and files", () => {
    const data = new FormData();
    data.set("$ACTION_KEY", "k1");
    data.set("$ACTION_REF_1", "");
    data.set("title", "hello");
    data.set("upload", new Blob(["x"]));
    expect(formFields(data)).toEqual({ title: "hello" });
  });
});

describe("backendErrorMessage", () => {
  it("reads the first message of a FastAPI 422", () => {
    const body = { detail: [{ loc: ["body", "title"], msg: "String should have at most 200 characters" }] };
    expect(backendErrorMessage(body)).toBe("String should have at most 200 characters");
  });

  it("reads a string detail", () => {
    expect(backendErrorMessage({ detail: "Todo not found" })).toBe("Todo not found");
  });

  it("gives nothing for other bodies", () => {
    expect(backendErrorMessage(null)).toBeUndefined();
    expect(backendErrorMessage({ error: "x" })).toBeUndefined();
  });
});

describe("notices", () => {
  it("maps a known code to its message", () => {
    expect(noticeMessage("gone")).toBe("That todo no longer exists.");
  });

  it("ignores any other text, so the URL cannot put words on the page", () => {
    expect(noticeMessage("<b>hi</b>")).toBeUndefined();
    expect(noticeMessage("toString")).toBeUndefined();
    expect(noticeMessage(["gone"])).toBeUndefined();
  });
});
