// After `next build`: the standalone server serves `.next/static` and `public/`
// only if they sit inside `.next/standalone/` (Next.js leaves copying them to us).
import { cpSync, existsSync, rmSync } from "node:fs";

const standalone = ".next/standalone";
if (!existsSync(`${standalone}/server.js`)) {
  throw new Error(`${standalone}/server.js is missing: is output 'standalone' set in next.config.ts?`);
}
for (const [from, to] of [
  [".next/static", `${standalone}/.next/static`],
  ["public", `${standalone}/public`],
]) {
  rmSync(to, { recursive: true, force: true });
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
