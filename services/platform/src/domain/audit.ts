import {
  auditableData,
  type Envelope,
  getMessage,
  messageIdOf,
  messageNameOf,
  safeParseEnvelope,
} from "@keel/contracts";

/**
 * One normalised record per transition of a conversation, kept by correlation id in time order:
 * commands sent, events published, workflows started and ended, each step of a workflow, and each
 * consumer's result. Personal data and secrets never enter it.
 */
export type AuditKind =
  | "command"
  | "event"
  | "message.invalid"
  | "workflow.started"
  | "workflow.succeeded"
  | "workflow.failed"
  | "workflow.timed-out"
  | "workflow.aborted"
  | "step.succeeded"
  | "step.failed"
  | "consumer.processed"
  | "consumer.failed";

export interface AuditRecord {
  correlationId: string;
  /** `<at>#<kind>#<id>`: time-ordered, and the same transition always gets the same key. */
  recordKey: string;
  at: string;
  kind: AuditKind;
  /** The domain the transition happened in. */
  service: string;
  /** Message, step or function name. */
  name: string;
  messageId?: string;
  causationId?: string;
  /** The order (or other entity) the conversation is about. */
  subjectId?: string;
  tenantId?: string;
  executionArn?: string;
  durationMs?: number;
  error?: { type: string; message: string };
  /** The message's data without its classified fields. */
  data?: unknown;
  /** A re-publication of an archived message (`keel replay`): the id of the message it re-publishes. */
  replayOf?: string;
}

const recordKey = (at: string, kind: AuditKind, id: string) => `${at}#${kind}#${id}`;

/**
 * The data of a message without the fields the registry classifies as personal data or secrets,
 * but for those marked safe for audit. A message the registry does not know keeps no data.
 */
export function safeData(envelope: Envelope): unknown {
  const message = getMessage(messageNameOf(envelope));
  return message ? auditableData(envelope.data, message.classified) : undefined;
}

const subjectOf = (envelope: Envelope) => {
  const data = envelope.data as { orderId?: unknown };
  return typeof data?.orderId === "string" ? data.orderId : undefined;
};

/** The record of a message seen on a bus; undefined when it carries no correlation id to file it under. */
export function messageRecord(
  detail: unknown,
  source: string,
  detailType: string,
  seenAt: string,
): AuditRecord | undefined {
  const parsed = safeParseEnvelope(detail);
  if (!parsed.success) {
    const meta = (detail as { meta?: { correlationId?: unknown } } | undefined)?.meta;
    if (typeof meta?.correlationId !== "string") return undefined;
    return {
      correlationId: meta.correlationId,
      recordKey: recordKey(seenAt, "message.invalid", `${source}/${detailType}`),
      at: seenAt,
      kind: "message.invalid",
      service: source.split(".")[2] ?? source,
      name: detailType,
      error: { type: "ContractError", message: parsed.error.message.slice(0, 1000) },
    };
  }
  const envelope = parsed.envelope;
  const kind = envelope.meta.messageType === "command" ? "command" : "event";
  const subjectId = subjectOf(envelope);
  // A replay keeps the message's id and time: it is filed apart, when it was seen, so it neither
  // overwrites the original's record nor hides that the message was published again.
  const replayOf = envelope.meta.replayOf;
  const at = replayOf ? seenAt : envelope.meta.occurredAt;
  return {
    correlationId: envelope.meta.correlationId,
    recordKey: recordKey(at, kind, replayOf ? `${messageIdOf(envelope)}#replay` : messageIdOf(envelope)),
    at,
    kind,
    service: source.split(".")[2] ?? source,
    name: messageNameOf(envelope),
    messageId: messageIdOf(envelope),
    ...(envelope.meta.causationId ? { causationId: envelope.meta.causationId } : {}),
    ...(subjectId ? { subjectId } : {}),
    ...(envelope.meta.tenantId ? { tenantId: envelope.meta.tenantId } : {}),
    ...(replayOf ? { replayOf } : {}),
    data: safeData(envelope),
  };
}

/** Lambda's record of an asynchronous invocation, as its destination receives it. */
export interface InvocationResult {
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: string; approximateInvokeCount: number };
  requestPayload: { detail?: unknown };
  responsePayload?: { errorType?: string; errorMessage?: string } | null;
}

/** The service a Keel function belongs to, from its name (`keel-<service>-<stage>-<function>`). */
export function serviceOfFunction(functionArn: string): { service: string; name: string } {
  const functionName = functionArn.split(":function:")[1]?.split(":")[0] ?? functionArn;
  const match = /^keel-([a-z]+)-[^-]+-(.+)$/.exec(functionName);
  return match?.[1] && match[2] ? { service: match[1], name: match[2] } : { service: "unknown", name: functionName };
}

/** The record of a consumer's result (Lambda destinations); undefined for a payload with no envelope. */
export function invocationRecord(result: InvocationResult, succeeded: boolean): AuditRecord | undefined {
  const parsed = safeParseEnvelope(result.requestPayload?.detail);
  const meta = parsed.success
    ? parsed.envelope.meta
    : (result.requestPayload?.detail as { meta?: Record<string, unknown> } | undefined)?.meta;
  const correlationId = meta?.correlationId;
  if (typeof correlationId !== "string") return undefined;
  const { service, name } = serviceOfFunction(result.requestContext.functionArn);
  const kind: AuditKind = succeeded ? "consumer.processed" : "consumer.failed";
  const consumed = parsed.success ? messageIdOf(parsed.envelope) : undefined;
  const subjectId = parsed.success ? subjectOf(parsed.envelope) : undefined;
  const error = result.responsePayload;
  return {
    correlationId,
    recordKey: recordKey(result.timestamp, kind, `${name}#${result.requestContext.requestId}`),
    at: result.timestamp,
    kind,
    service,
    name,
    ...(consumed ? { messageId: consumed } : {}),
    ...(subjectId ? { subjectId } : {}),
    ...(typeof meta?.tenantId === "string" ? { tenantId: meta.tenantId } : {}),
    ...(!succeeded && error
      ? { error: { type: error.errorType ?? "Error", message: (error.errorMessage ?? "").slice(0, 1000) } }
      : {}),
  };
}

/** Step Functions' status change event (its `detail`). */
export interface ExecutionStatusChange {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  startDate: number;
  stopDate: number | null;
  input: string | null;
  error: string | null;
  cause: string | null;
}

/** The workflow's input carries the command that started it. */
function startingCommand(input: string | null): Envelope | undefined {
  try {
    const parsed = safeParseEnvelope((JSON.parse(input ?? "null") as { command?: unknown } | null)?.command);
    return parsed.success ? parsed.envelope : undefined;
  } catch {
    return undefined;
  }
}

const WORKFLOW_KIND: Record<ExecutionStatusChange["status"], AuditKind> = {
  RUNNING: "workflow.started",
  SUCCEEDED: "workflow.succeeded",
  FAILED: "workflow.failed",
  TIMED_OUT: "workflow.timed-out",
  ABORTED: "workflow.aborted",
};

export function workflowRecord(change: ExecutionStatusChange): AuditRecord | undefined {
  const command = startingCommand(change.input);
  if (!command) return undefined;
  const kind = WORKFLOW_KIND[change.status];
  const at = new Date(
    change.status === "RUNNING" ? change.startDate : (change.stopDate ?? change.startDate),
  ).toISOString();
  const machine = change.stateMachineArn.split(":stateMachine:")[1] ?? change.stateMachineArn;
  const subjectId = subjectOf(command);
  return {
    correlationId: command.meta.correlationId,
    recordKey: recordKey(at, kind, change.name),
    at,
    kind,
    service: machine.split("-")[0] === "keel" ? "orders" : machine,
    name: machine,
    messageId: messageIdOf(command),
    ...(subjectId ? { subjectId } : {}),
    ...(command.meta.tenantId ? { tenantId: command.meta.tenantId } : {}),
    executionArn: change.executionArn,
    ...(change.status !== "RUNNING" ? { durationMs: (change.stopDate ?? change.startDate) - change.startDate } : {}),
    ...(change.error ? { error: { type: change.error, message: (change.cause ?? "").slice(0, 1000) } } : {}),
  };
}

/** A history event of an execution, as GetExecutionHistory returns it. */
export interface HistoryEvent {
  id: number;
  timestamp: Date;
  type: string;
  stateEnteredEventDetails?: { name: string };
  stateExitedEventDetails?: { name: string };
  taskFailedEventDetails?: { error?: string; cause?: string };
  taskTimedOutEventDetails?: { error?: string; cause?: string };
  lambdaFunctionFailedEventDetails?: { error?: string; cause?: string };
}

/**
 * One record per Task step of a finished execution: succeeded when it exited after its last
 * attempt succeeded, failed (with the error) when its last attempt failed and a Catch took over.
 */
export function stepRecords(change: ExecutionStatusChange, history: readonly HistoryEvent[]): AuditRecord[] {
  const workflow = workflowRecord(change);
  if (!workflow) return [];
  const records: AuditRecord[] = [];
  let current: { name: string; entered: Date; failure?: { type: string; message: string } } | undefined;
  for (const event of history) {
    if (event.type === "TaskStateEntered" && event.stateEnteredEventDetails) {
      current = { name: event.stateEnteredEventDetails.name, entered: new Date(event.timestamp) };
    } else if (current && ["TaskSucceeded", "LambdaFunctionSucceeded"].includes(event.type)) {
      current.failure = undefined;
    } else if (
      current &&
      ["TaskFailed", "TaskTimedOut", "LambdaFunctionFailed", "LambdaFunctionTimedOut"].includes(event.type)
    ) {
      const details =
        event.taskFailedEventDetails ?? event.taskTimedOutEventDetails ?? event.lambdaFunctionFailedEventDetails;
      current.failure = { type: details?.error ?? event.type, message: (details?.cause ?? "").slice(0, 1000) };
    } else if (current && event.type === "TaskStateExited") {
      const kind: AuditKind = current.failure ? "step.failed" : "step.succeeded";
      const at = current.entered.toISOString();
      records.push({
        correlationId: workflow.correlationId,
        recordKey: recordKey(at, kind, `${change.name}#${current.name}#${event.id}`),
        at,
        kind,
        service: workflow.service,
        name: current.name,
        ...(workflow.subjectId ? { subjectId: workflow.subjectId } : {}),
        ...(workflow.tenantId ? { tenantId: workflow.tenantId } : {}),
        executionArn: change.executionArn,
        durationMs: new Date(event.timestamp).getTime() - current.entered.getTime(),
        ...(current.failure ? { error: current.failure } : {}),
      });
      current = undefined;
    }
  }
  if (current?.failure) {
    // The step's failure ended the execution: it never exited.
    const at = current.entered.toISOString();
    records.push({
      correlationId: workflow.correlationId,
      recordKey: recordKey(at, "step.failed", `${change.name}#${current.name}#end`),
      at,
      kind: "step.failed",
      service: workflow.service,
      name: current.name,
      ...(workflow.subjectId ? { subjectId: workflow.subjectId } : {}),
      ...(workflow.tenantId ? { tenantId: workflow.tenantId } : {}),
      executionArn: change.executionArn,
      error: current.failure,
    });
  }
  return records;
}
