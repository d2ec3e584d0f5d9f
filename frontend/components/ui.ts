// Shared class names, defined once in app/globals.css (@apply), so that a row of
// the list does not repeat long utility strings: every control has the same calm
// look and a visible focus ring.
export const focusRing = "focus-ring";
export const textInput = "field";
export const primaryButton = "btn-primary";
export const quietButton = "btn-quiet";
