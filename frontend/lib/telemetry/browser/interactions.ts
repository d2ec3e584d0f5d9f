// Why not @opentelemetry/instrumentation-user-interaction: without zone.js it ends the click span when the listener returns ("no zone so end span immediately"), and both our requests start after an `await` (React's action queue, Next.js's encodeReply), so each would start a trace of its own; zone.js cannot follow native async/await either (reproduce: npm pack @opentelemetry/instrumentation-user-interaction@0.67.0 && tar xzf *.tgz && grep -n -B4 'end span immediately' package/build/src/instrumentation.js).
// Cost to keep: ~135 lines; on upgrades of sdk-trace-web check that StackContextManager.active() is still the one method to override.
// Delete when: browsers ship AsyncContext (TC39) and the web SDK's context manager follows awaits.
//
// Clicks as the roots of the traces they cause. A click opens an interaction for
// a short window; fetches started in that window (the toggle's PUT, a Server
// Action's POST) become its children, and the click span ends with the last of
// them. Clicks that cause no request are never exported.
import { ROOT_CONTEXT, trace, type Context, type HrTime, type Span, type Tracer } from "@opentelemetry/api";
import {
  StackContextManager,
  type ReadableSpan,
  type Span as SdkSpan,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-web";

/** How long after a click a request still counts as caused by it. */
export const INTERACTION_WINDOW_MS = 1000;

/** An action name we may export: short and from our own markup, never user text. */
const ACTION_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

interface Interaction {
  span: Span;
  context: Context;
  action: string;
  open: boolean;
  inFlight: number;
  requests: number;
  lastEnd?: HrTime;
}

/** The action an element stands for: the closest `data-action` (a form or button), else its tag. */
export function actionOf(target: EventTarget | Element | null): string {
  if (!target || !("closest" in target)) return "unknown";
  const declared = target.closest("[data-action]")?.getAttribute("data-action") ?? "";
  if (ACTION_NAME.test(declared)) return declared;
  return (target.closest("button, a, summary, input") ?? target).tagName.toLowerCase();
}

/** Tracks clicks and which requests they caused. */
export class InteractionTracker {
  private current?: Interaction;
  private readonly byId = new Map<string, Interaction>();

  constructor(
    private readonly tracer: () => Tracer,
    private readonly windowMs: number = INTERACTION_WINDOW_MS,
  ) {}

  /** Starts an interaction for a click (a capturing document listener). */
  readonly onClick = (event: Event): void => {
    if (this.current) this.close(this.current);
    const action = actionOf(event.target);
    const span = this.tracer().startSpan(
      `click ${action}`,
      { attributes: { "app.interaction.type": "click", "app.interaction.action": action } },
      ROOT_CONTEXT,
    );
    const interaction: Interaction = {
      span,
      context: trace.setSpan(ROOT_CONTEXT, span),
      action,
      open: true,
      inFlight: 0,
      requests: 0,
    };
    this.current = interaction;
    this.byId.set(span.spanContext().spanId, interaction);
    setTimeout(() => this.close(interaction), this.windowMs);
  };

  /** The context of the click whose window is open, if any. */
  activeContext(): Context | undefined {
    return this.current?.context;
  }

  /** The action of the click whose window is open, if any. */
  activeAction(): string | undefined {
    return this.current?.action;
  }

  /** A processor counting each interaction's requests, so its span ends with the last one. */
  readonly processor: SpanProcessor = {
    onStart: (_span: SdkSpan, parentContext: Context) => {
      const parent = trace.getSpan(parentContext)?.spanContext().spanId;
      const interaction = parent ? this.byId.get(parent) : undefined;
      if (interaction) {
        interaction.inFlight += 1;
        interaction.requests += 1;
      }
    },
    onEnd: (span: ReadableSpan) => {
      const interaction = this.byId.get(span.parentSpanContext?.spanId ?? "");
      if (!interaction) return;
      interaction.inFlight -= 1;
      interaction.lastEnd = span.endTime;
      this.finish(interaction);
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };

  private close(interaction: Interaction): void {
    interaction.open = false;
    if (this.current === interaction) this.current = undefined;
    this.finish(interaction);
  }

  /** Ends a closed interaction once its requests are done; one without requests is dropped unended. */
  private finish(interaction: Interaction): void {
    if (interaction.open || interaction.inFlight > 0) return;
    this.byId.delete(interaction.span.spanContext().spanId);
    if (interaction.requests > 0) interaction.span.end(interaction.lastEnd);
  }
}

/**
 * The web SDK's stack context manager, except that with no active span of its
 * own it lends the open click's context: that is how a request started after an
 * `await` still finds the click that caused it.
 */
export class InteractionContextManager extends StackContextManager {
  constructor(private readonly tracker: InteractionTracker) {
    super();
  }

  /** The active context, or the open click's when nothing else is active. */
  override active(): Context {
    const active = super.active();
    return active === ROOT_CONTEXT ? (this.tracker.activeContext() ?? active) : active;
  }
}
