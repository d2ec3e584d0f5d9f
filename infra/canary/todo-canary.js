// The synthetic check of the deployed app (infra/synthetics.tf): every 5 minutes it
// loads the page and creates, reads and deletes a todo through the frontend's API
// routes, as a user's browser would, through the load balancer.
//
// Two entry points, one set of checks (checkTodoApp):
//   - `handler`, for CloudWatch Synthetics (Node.js runtime, syn-nodejs-puppeteer):
//     each check is a Synthetics step; with active tracing the runtime traces the
//     calls made with node:http, so the canary's trace continues into nextjs-app's;
//   - the command line, `node todo-canary.js <base URL>` (`make canary` runs it
//     against the local stack), where a step only logs.
// Plain node:http, no dependency: the zip Terraform uploads is this file alone
// (todo-canary.zip, rebuilt by `ecsotel canary --package`; a test keeps it current).
"use strict";

const http = require("node:http");
const https = require("node:https");

const TIMEOUT_MS = 10000;
const TITLE = "synthetic check";

/** One request to `baseUrl` + `path`; resolves with the status and the body as text. */
function call(baseUrl, method, path, json) {
  const url = new URL(path, baseUrl);
  const client = url.protocol === "https:" ? https : http;
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers = { accept: "application/json, text/html" };
  if (body !== undefined) headers["content-type"] = "application/json";
  return new Promise((resolve, reject) => {
    const request = client.request(url, { method, headers, timeout: TIMEOUT_MS }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode, text }));
    });
    request.on("timeout", () => request.destroy(new Error(`${method} ${path}: no answer in ${TIMEOUT_MS} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}

/** Throws `message` unless `condition` holds. */
function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** The answer's JSON body, or an error naming the request. */
function parsed(answer, what) {
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new Error(`${what}: not JSON: ${answer.text.slice(0, 120)}`);
  }
}

/**
 * The checks, each run by `step(name, check)`: the page renders the create form; the
 * API creates a todo (201), reads it back (200, same title), deletes it (204), and
 * then no longer finds it (404). Throws at the first that fails.
 */
async function checkTodoApp(baseUrl, step = (_name, check) => check()) {
  await step("page renders the create form", async () => {
    const page = await call(baseUrl, "GET", "/");
    expect(page.status === 200, `GET / answered ${page.status}`);
    expect(page.text.includes('data-testid="create-todo-form"'), "GET /: the page has no create form");
  });
  let id;
  await step("API creates a todo", async () => {
    const created = await call(baseUrl, "POST", "/api/todos", { title: TITLE });
    expect(created.status === 201, `POST /api/todos answered ${created.status}: ${created.text.slice(0, 120)}`);
    id = parsed(created, "POST /api/todos").id;
    expect(Number.isInteger(id), `POST /api/todos: no todo id in ${created.text.slice(0, 120)}`);
  });
  await step("API reads it back", async () => {
    const read = await call(baseUrl, "GET", `/api/todos/${id}`);
    expect(read.status === 200, `GET /api/todos/${id} answered ${read.status}`);
    expect(parsed(read, `GET /api/todos/${id}`).title === TITLE, `GET /api/todos/${id}: another title`);
  });
  await step("API deletes it", async () => {
    const deleted = await call(baseUrl, "DELETE", `/api/todos/${id}`);
    expect(deleted.status === 204, `DELETE /api/todos/${id} answered ${deleted.status}`);
    const gone = await call(baseUrl, "GET", `/api/todos/${id}`);
    expect(gone.status === 404, `GET /api/todos/${id} after the delete answered ${gone.status}`);
  });
}

/** CloudWatch Synthetics' entry point: the checks as steps, against APP_URL. */
exports.handler = async () => {
  // Only the Synthetics runtime has this module (the namespace of syn-nodejs-puppeteer-13.1 and later).
  const synthetics = require("@aws/synthetics-puppeteer");
  return checkTodoApp(process.env.APP_URL, (name, check) => synthetics.executeStep(name, check));
};

exports.checkTodoApp = checkTodoApp;

if (require.main === module) {
  const baseUrl = process.argv[2];
  if (!baseUrl) {
    console.error("usage: node todo-canary.js <base URL>");
    process.exit(2);
  }
  const step = async (name, check) => {
    await check();
    console.log(`passed: ${name}`);
  };
  checkTodoApp(baseUrl, step).then(
    () => console.log(`synthetic check of ${baseUrl} passed`),
    (error) => {
      console.error(`FAILED: ${error.message}`);
      process.exit(1);
    },
  );
}
