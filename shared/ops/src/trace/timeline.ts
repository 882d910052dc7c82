import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { getMessage } from "@keel/contracts";
import type { DeadLetter } from "../dlq/dead-letter";
import type { AuditRecord } from "./audit";

export type EntryKind = "command" | "event" | "replay" | "invalid" | "workflow" | "step" | "consumer" | "dead-letter";

/** One line of a trace: when, where, what, how it went. */
export interface TraceEntry {
  at: string;
  /** Milliseconds since the previous line (0 for the first). */
  sinceMs: number;
  /** The service (participant) where it happened: `orders api`, `orders workflow`, `payments`… */
  service: string;
  /** The message, step or function. */
  what: string;
  kind: EntryKind;
  /** sent, published, replayed, invalid, started, succeeded, failed, retried, processed, dead-lettered… */
  outcome: string;
  durationMs?: number;
  error?: { type: string; message: string };
  /** The message this line is about (sent, published, or consumed). */
  messageId?: string;
  /** For a consumer: the message it consumed; for a message: its name (for the diagram). */
  messageName?: string;
  correlationId?: string;
  executionArn?: string;
  /** The dead-letter queue's message id, for `keel dlq show|redrive`. */
  deadLetterId?: string;
  /** Where the line comes from. */
  origin: "audit" | "execution history" | "dead-letter queue";
}

export const COMMAND_BUS = "command bus";
export const EVENT_BUS = "event bus";
export const OPERATOR = "operator";

/** `<domain>.<component>` or `com.example.<domain>.<component>` → `orders api`; `payments.service` → `payments`. */
export function participantOf(where: string): string {
  const parts = where.split(".");
  const [domain, component] = parts.length >= 4 ? [parts[2], parts[3]] : [parts[0], parts[1]];
  if (!domain) return where;
  return !component || component === "service" ? domain : `${domain} ${component}`;
}

/** Who sends a message (its registry source), or the audit record's service. */
const senderOf = (name: string, fallback: string) => {
  const message = getMessage(name);
  return message ? participantOf(message.source) : fallback;
};

const busOfId = (id: string | undefined) => (id?.startsWith("cmd_") ? COMMAND_BUS : EVENT_BUS);

/** A Lambda error's cause is its JSON error record: keep the message. */
function causeText(cause: string | undefined): string {
  if (!cause) return "";
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string") return parsed.errorMessage;
  } catch {}
  return cause;
}

type Entry = Omit<TraceEntry, "sinceMs">;

/** The lines of audit records; workflow and step records are left out for executions whose history is read. */
export function auditEntries(records: readonly AuditRecord[], executionsRead: ReadonlySet<string>): Entry[] {
  const names = new Map<string, string>();
  for (const record of records)
    if (record.messageId && ["command", "event"].includes(record.kind)) names.set(record.messageId, record.name);
  const entries: Entry[] = [];
  for (const record of records) {
    const base = {
      at: record.at,
      correlationId: record.correlationId,
      origin: "audit" as const,
      ...(record.messageId ? { messageId: record.messageId } : {}),
      ...(record.error ? { error: record.error } : {}),
      ...(record.durationMs !== undefined ? { durationMs: record.durationMs } : {}),
      ...(record.executionArn ? { executionArn: record.executionArn } : {}),
    };
    const kind = record.kind;
    if (kind === "command" || kind === "event") {
      entries.push({
        ...base,
        service: record.replayOf ? OPERATOR : senderOf(record.name, record.service),
        what: record.name,
        messageName: record.name,
        kind: record.replayOf ? "replay" : kind,
        outcome: record.replayOf ? "replayed" : kind === "command" ? "sent" : "published",
      });
    } else if (kind === "message.invalid") {
      entries.push({ ...base, service: record.service, what: record.name, kind: "invalid", outcome: "invalid" });
    } else if (kind.startsWith("workflow.") || kind.startsWith("step.")) {
      if (record.executionArn && executionsRead.has(record.executionArn)) continue;
      const outcome = kind.split(".")[1] ?? kind;
      entries.push({
        ...base,
        service: `${record.service} workflow`,
        what: record.name,
        kind: kind.startsWith("workflow.") ? "workflow" : "step",
        outcome: outcome.replace("-", " "),
      });
    } else if (kind === "consumer.processed" || kind === "consumer.failed") {
      const consumed = record.messageId ? names.get(record.messageId) : undefined;
      const message = consumed ? getMessage(consumed) : undefined;
      // A command's consumer is the component the registry routes it to; an event's, its domain.
      const service =
        message?.kind === "command" && message.handler && message.handler.split(".")[0] === record.service
          ? participantOf(message.handler)
          : record.service;
      entries.push({
        ...base,
        service,
        what: consumed ? `${record.name} ← ${consumed}` : record.name,
        ...(consumed ? { messageName: consumed } : {}),
        kind: "consumer",
        outcome: kind === "consumer.processed" ? "processed" : "failed",
      });
    }
  }
  return entries;
}

const STEP_FAILURES = new Set([
  "TaskFailed",
  "TaskTimedOut",
  "TaskStartFailed",
  "TaskSubmitFailed",
  "LambdaFunctionFailed",
  "LambdaFunctionTimedOut",
  "LambdaFunctionStartFailed",
  "LambdaFunctionScheduleFailed",
]);
const STEP_SUCCESSES = new Set(["TaskSucceeded", "LambdaFunctionSucceeded"]);
const STEP_STARTS = new Set(["TaskScheduled", "LambdaFunctionScheduled"]);

function failureOf(event: HistoryEvent): { type: string; message: string } {
  const details =
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails;
  return { type: details?.error ?? event.type ?? "Error", message: causeText(details?.cause).slice(0, 500) };
}

/**
 * The lines of an execution's history: its start, each Task step (succeeded, failed and caught,
 * retried), and its end with the error that ended it.
 */
export function historyEntries(
  executionArn: string,
  events: readonly HistoryEvent[],
  options: { service: string; correlationId?: string },
): Entry[] {
  const machine = executionArn.split(":")[6] ?? "workflow";
  const base = {
    service: options.service,
    executionArn,
    origin: "execution history" as const,
    ...(options.correlationId ? { correlationId: options.correlationId } : {}),
  };
  const entries: Entry[] = [];
  const iso = (date: Date | undefined) => new Date(date ?? Date.now()).toISOString();
  let started: Date | undefined;
  let step: { name: string; entered: Date; failure?: { type: string; message: string }; failedAt?: Date } | undefined;
  for (const event of events) {
    const type = event.type ?? "";
    if (type === "ExecutionStarted") {
      started = event.timestamp;
      entries.push({ ...base, at: iso(event.timestamp), what: machine, kind: "workflow", outcome: "started" });
    } else if (type.endsWith("StateEntered")) {
      // A failed step a Catch took over may not report its exit: the next state's entry closes it.
      if (step?.failure) {
        entries.push({
          ...base,
          at: iso(step.failedAt),
          what: step.name,
          kind: "step",
          outcome: "failed, caught",
          durationMs: (step.failedAt ?? step.entered).getTime() - step.entered.getTime(),
          error: step.failure,
        });
      }
      step =
        type === "TaskStateEntered" && event.stateEnteredEventDetails?.name
          ? { name: event.stateEnteredEventDetails.name, entered: event.timestamp ?? new Date() }
          : undefined;
    } else if (step && STEP_FAILURES.has(type)) {
      step.failure = failureOf(event);
      step.failedAt = event.timestamp;
    } else if (step && STEP_SUCCESSES.has(type)) {
      step.failure = undefined;
    } else if (step?.failure && STEP_STARTS.has(type)) {
      // The failed attempt is retried.
      entries.push({
        ...base,
        at: iso(step.failedAt),
        what: step.name,
        kind: "step",
        outcome: "failed, retried",
        error: step.failure,
      });
      step.failure = undefined;
    } else if (step && type === "TaskStateExited") {
      const exited = event.timestamp ?? new Date();
      entries.push({
        ...base,
        at: iso(exited),
        what: step.name,
        kind: "step",
        outcome: step.failure ? "failed, caught" : "succeeded",
        durationMs: exited.getTime() - step.entered.getTime(),
        ...(step.failure ? { error: step.failure } : {}),
      });
      step = undefined;
    } else if (/^Execution(Succeeded|Failed|TimedOut|Aborted)$/.test(type)) {
      if (step?.failure) {
        entries.push({
          ...base,
          at: iso(step.failedAt),
          what: step.name,
          kind: "step",
          outcome: "failed",
          error: step.failure,
        });
      }
      step = undefined;
      const details =
        event.executionFailedEventDetails ?? event.executionTimedOutEventDetails ?? event.executionAbortedEventDetails;
      const outcomes: Record<string, string> = {
        ExecutionSucceeded: "succeeded",
        ExecutionFailed: "failed",
        ExecutionTimedOut: "timed out",
      };
      const outcome = outcomes[type];
      entries.push({
        ...base,
        at: iso(event.timestamp),
        what: machine,
        kind: "workflow",
        outcome: outcome ?? "aborted",
        ...(started && event.timestamp ? { durationMs: event.timestamp.getTime() - started.getTime() } : {}),
        ...(details?.error ? { error: { type: details.error, message: causeText(details.cause).slice(0, 500) } } : {}),
      });
    }
  }
  return entries;
}

/** The line of a message waiting in the dead-letter queue. */
export function deadLetterEntry(letter: DeadLetter): Entry {
  const function_ = letter.target.kind === "lambda";
  const service = function_
    ? (/^keel-([a-z]+)-/.exec(letter.target.name)?.[1] ?? letter.target.name)
    : letter.target.name;
  return {
    at: letter.sentAt,
    service,
    what: `${letter.target.name}${letter.message.name ? ` ← ${letter.message.name}` : ""}`,
    ...(letter.message.name ? { messageName: letter.message.name } : {}),
    ...(letter.message.id ? { messageId: letter.message.id } : {}),
    ...(letter.message.correlationId ? { correlationId: letter.message.correlationId } : {}),
    kind: "dead-letter",
    outcome: "dead-lettered",
    error: letter.error,
    deadLetterId: letter.messageId,
    origin: "dead-letter queue",
  };
}

/** Merges lines from every source in time order, with the time since the previous line. */
export function timeline(...sources: Entry[][]): TraceEntry[] {
  const all = sources.flat().sort((a, b) => a.at.localeCompare(b.at));
  return all.map((entry, index) => {
    const previous = all[index - 1];
    return { ...entry, sinceMs: previous ? Date.parse(entry.at) - Date.parse(previous.at) : 0 };
  });
}

export { busOfId };
