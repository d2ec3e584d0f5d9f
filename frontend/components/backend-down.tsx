"use client";
// Shown when the page could not load the list. It polls the same-origin proxy
// and refreshes the page by itself once the backend answers again.
import { useRouter } from "next/navigation";
import Link from "next/link";
import { useEffect } from "react";

const POLL_MS = 3000;

/** The "backend is down" notice that recovers by itself. */
export function BackendDown() {
  const router = useRouter();

  useEffect(() => {
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const response = await fetch("/api/todos?limit=1", { cache: "no-store" });
        if (response.ok && !stopped) router.refresh();
      } catch {
        // Still down (or offline): keep polling.
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [router]);

  return (
    <div
      role="alert"
      data-testid="backend-down"
      className="rounded-2xl border border-amber-300 bg-amber-50 px-6 py-5 text-amber-900"
    >
      <p className="font-medium">The todo service is unreachable right now.</p>
      <p className="mt-1 text-sm">
        This page retries by itself and shows your todos as soon as the service is back.{" "}
        <Link href="/" className="underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-amber-700">
          Retry now
        </Link>
      </p>
    </div>
  );
}
