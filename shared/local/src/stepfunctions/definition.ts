/** Checks and adjustments of a state machine definition before it runs locally. */

export type StateDefinition = Record<string, unknown> & { Type?: string; Resource?: string };

export const SUPPORTED_RESOURCES = [
  "arn:aws:states:::lambda:invoke",
  "arn:aws:states:::lambda:invoke.waitForTaskToken",
  "arn:aws:states:::events:putEvents",
  "arn:aws:states:::events:putEvents.waitForTaskToken",
] as const;

/** Node timers overflow above 2^31-1 ms; AWS's default task timeout (99999999 s) is far beyond. */
export const MAX_TIMER_SECONDS = 2_147_483;

/** Every state, including those of Parallel branches and Map iterators, by name. */
export function allStates(definition: Record<string, unknown>): Map<string, StateDefinition> {
  const found = new Map<string, StateDefinition>();
  const visit = (machine: unknown) => {
    const states = (machine as { States?: Record<string, StateDefinition> } | undefined)?.States ?? {};
    for (const [name, state] of Object.entries(states)) {
      found.set(name, state);
      for (const branch of (state.Branches as unknown[] | undefined) ?? []) visit(branch);
      if (state.Iterator) visit(state.Iterator);
      if (state.ItemProcessor) visit(state.ItemProcessor);
    }
  };
  visit(definition);
  return found;
}

export type ResourceKind = "lambda:invoke" | "lambda:arn" | "events:putEvents";

export function resourceKind(resource: string): { kind: ResourceKind; callback: boolean } | undefined {
  if (/^arn:aws[a-z-]*:lambda:[^:]+:\d+:function:[^:]+(:[^:]+)?$/.test(resource))
    return { kind: "lambda:arn", callback: false };
  const callback = resource.endsWith(".waitForTaskToken");
  const base = callback ? resource.slice(0, -".waitForTaskToken".length) : resource;
  if (base === "arn:aws:states:::lambda:invoke") return { kind: "lambda:invoke", callback };
  if (base === "arn:aws:states:::events:putEvents") return { kind: "events:putEvents", callback };
  return undefined;
}

/** Problems that stop a definition from running locally, each naming the state. */
export function unsupported(definition: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (definition.QueryLanguage === "JSONata")
    problems.push("QueryLanguage JSONata is not supported locally (use JSONPath)");
  for (const [name, state] of allStates(definition)) {
    if (state.QueryLanguage === "JSONata")
      problems.push(`state ${name}: QueryLanguage JSONata is not supported locally (use JSONPath)`);
    if (state.Type === "Task") {
      if (typeof state.Resource !== "string" || !resourceKind(state.Resource)) {
        problems.push(
          `state ${name}: task resource ${String(state.Resource)} is not supported locally (supported: ${SUPPORTED_RESOURCES.join(", ")} and Lambda function ARNs)`,
        );
      }
    }
  }
  return problems;
}

/**
 * A copy to execute: tasks without a timeout get AWS's "no timeout" (capped for Node's timers,
 * where the library would default to 60 s), and waits, timeouts and retry intervals are scaled
 * by `timeScale` (exponential backoff is kept).
 */
export function runnable(definition: Record<string, unknown>, timeScale: number): Record<string, unknown> {
  // A JSON copy, not structuredClone: objects must come from this realm for the library's checks.
  const copy = JSON.parse(JSON.stringify(definition)) as Record<string, unknown>;
  for (const state of allStates(copy).values()) {
    if (state.Type === "Task") {
      if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined)
        state.TimeoutSeconds = MAX_TIMER_SECONDS;
      else if (typeof state.TimeoutSeconds === "number" && timeScale !== 1)
        state.TimeoutSeconds = state.TimeoutSeconds * timeScale;
      if (typeof state.HeartbeatSeconds === "number" && timeScale !== 1)
        state.HeartbeatSeconds = state.HeartbeatSeconds * timeScale;
    }
    if (state.Type === "Wait" && typeof state.Seconds === "number" && timeScale !== 1)
      state.Seconds = state.Seconds * timeScale;
    for (const retrier of (state.Retry as Array<Record<string, number>> | undefined) ?? []) {
      if (timeScale === 1) break;
      retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * timeScale;
      if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= timeScale;
    }
  }
  if (typeof copy.TimeoutSeconds === "number" && timeScale !== 1) copy.TimeoutSeconds = copy.TimeoutSeconds * timeScale;
  return copy;
}
