// Shared class names so every control has the same calm look and a visible focus ring.
export const focusRing =
  "focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-teal-600 focus-visible:ring-offset-2 focus-visible:ring-offset-white";

export const textInput =
  "w-full rounded-xl border border-stone-300 bg-white px-3 py-2 text-base text-stone-900 placeholder:text-stone-400 aria-[invalid=true]:border-rose-500 " +
  focusRing;

export const primaryButton =
  "shrink-0 rounded-xl bg-teal-700 px-4 py-2 font-medium text-white hover:bg-teal-800 disabled:opacity-60 " +
  focusRing;

export const quietButton =
  "rounded-lg px-2.5 py-1.5 text-sm text-stone-600 hover:bg-stone-100 hover:text-stone-900 disabled:opacity-60 " +
  focusRing;
