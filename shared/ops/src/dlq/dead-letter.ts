/** An EventBridge event, as a rule delivers it to a target. */
export interface BusEvent {
  version?: string;
  id: string;
  source: string;
  "detail-type": string;
  account?: string;
  time: string;
  region?: string;
  resources?: string[];
  detail: unknown;
}

/**
 * How a failure reached the dead-letter queue:
 * - `rule-target`: EventBridge could not deliver an event to a rule's target (the body is the
 *   event; RULE_ARN, TARGET_ARN, ERROR_CODE… are message attributes);
 * - `failed-invocation`: a function failed after Lambda's retries and its on-failure destination,
 *   the event bus, routed Lambda's record here (`keel-<stage>-failed-invocations`);
 * - `invocation-record`: a function whose on-failure destination is the queue itself (the
 *   platform's audit writer): the body is Lambda's record.
 */
export type DeadLetterShape = "rule-target" | "failed-invocation" | "invocation-record" | "unknown";
export type TargetKind = "lambda" | "state-machine" | "queue" | "event-bus" | "unknown";

export interface MessageSummary {
  name?: string;
  id?: string;
  correlationId?: string;
  orderId?: string;
  tenantId?: string;
  replayOf?: string;
}

export interface DeadLetter {
  /** SQS's id of the dead-letter message: what `keel dlq show|redrive <id>` take. */
  messageId: string;
  receiptHandle?: string;
  sentAt: string;
  receiveCount: number;
  shape: DeadLetterShape;
  error: { type: string; message: string };
  /** Where the message was going when it failed, and where a redrive delivers it again. */
  target: { kind: TargetKind; arn: string; name: string };
  rule?: { arn: string; name: string; bus: string };
  /** Deliveries tried before giving up (EventBridge's retries + 1, or Lambda's invoke count). */
  attempts?: number;
  /** Why the retries stopped (`MaximumRetryAttempts`, `RetriesExhausted`, `EventAgeExceeded`…). */
  condition?: string;
  /** What a redrive hands the target: the event (before the rule's input transformation), or Lambda's request payload. */
  payload?: unknown;
  /** The EventBridge event that failed, when there is one. */
  event?: BusEvent;
  message: MessageSummary;
  body: string;
  attributes: Record<string, string>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === "string" && value.length > 0 ? value : undefined);

export function targetKind(arn: string): TargetKind {
  if (/^arn:[^:]+:lambda:/.test(arn)) return "lambda";
  if (/^arn:[^:]+:states:/.test(arn)) return "state-machine";
  if (/^arn:[^:]+:sqs:/.test(arn)) return "queue";
  if (/^arn:[^:]+:events:[^:]*:[^:]*:event-bus\//.test(arn)) return "event-bus";
  return "unknown";
}

/** A readable name for a target: the function, state machine, queue or bus name. */
export function targetName(arn: string): string {
  const kind = targetKind(arn);
  const parts = arn.split(":");
  if (kind === "lambda") return parts[6] ?? arn;
  if (kind === "state-machine") return parts[6] ?? arn;
  if (kind === "queue") return parts[5] ?? arn;
  if (kind === "event-bus") return arn.slice(arn.indexOf(":event-bus/") + 11);
  return arn;
}

/** `arn:aws:events:<region>:<account>:rule/[<bus>/]<name>` → the rule's name and bus. */
export function parseRuleArn(arn: string): { arn: string; name: string; bus: string } {
  const path = arn.slice(arn.indexOf(":rule/") + 6);
  const slash = path.indexOf("/");
  return slash < 0
    ? { arn, name: path, bus: "default" }
    : { arn, name: path.slice(slash + 1), bus: path.slice(0, slash) };
}

function isBusEvent(value: unknown): value is BusEvent {
  return isRecord(value) && typeof value.source === "string" && typeof value["detail-type"] === "string";
}

export function summarize(event: unknown): MessageSummary {
  const detail = isBusEvent(event) ? event.detail : undefined;
  const meta = isRecord(detail) && isRecord(detail.meta) ? detail.meta : {};
  const data = isRecord(detail) && isRecord(detail.data) ? detail.data : {};
  const name = text(meta.commandName) ?? text(meta.eventName) ?? (isBusEvent(event) ? event["detail-type"] : undefined);
  const id = text(meta.commandId) ?? text(meta.eventId);
  const summary: MessageSummary = {};
  if (name) summary.name = name;
  if (id) summary.id = id;
  const correlationId = text(meta.correlationId);
  if (correlationId) summary.correlationId = correlationId;
  const orderId = text(data.orderId);
  if (orderId) summary.orderId = orderId;
  const tenantId = text(meta.tenantId);
  if (tenantId) summary.tenantId = tenantId;
  const replayOf = text(meta.replayOf);
  if (replayOf) summary.replayOf = replayOf;
  return summary;
}

export interface RawQueueMessage {
  MessageId?: string;
  ReceiptHandle?: string;
  Body?: string;
  Attributes?: Partial<Record<string, string>>;
  MessageAttributes?: Record<string, { StringValue?: string }>;
}

function invocationLetter(base: Omit<DeadLetter, "shape" | "error" | "target" | "message">, record: unknown) {
  const context = isRecord(record) && isRecord(record.requestContext) ? record.requestContext : {};
  const response = isRecord(record) && isRecord(record.responsePayload) ? record.responsePayload : {};
  const functionArn = text(context.functionArn) ?? "unknown";
  const payload = isRecord(record) ? record.requestPayload : undefined;
  const letter: Pick<DeadLetter, "error" | "target" | "message" | "payload"> &
    Partial<Pick<DeadLetter, "attempts" | "condition" | "event">> = {
    error: {
      type: text(response.errorType) ?? "Unknown",
      message: text(response.errorMessage) ?? "",
    },
    target: { kind: targetKind(functionArn), arn: functionArn, name: targetName(functionArn) },
    message: summarize(payload),
    payload,
  };
  if (typeof context.approximateInvokeCount === "number") letter.attempts = context.approximateInvokeCount;
  const condition = text(context.condition);
  if (condition) letter.condition = condition;
  if (isBusEvent(payload)) letter.event = payload;
  return { ...base, ...letter };
}

/** Reads a dead-letter message, whichever way the failure reached the queue. */
export function parseDeadLetter(raw: RawQueueMessage): DeadLetter {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const sent = Number(raw.Attributes?.SentTimestamp);
  const base = {
    messageId: raw.MessageId ?? "unknown",
    ...(raw.ReceiptHandle ? { receiptHandle: raw.ReceiptHandle } : {}),
    sentAt: new Date(Number.isFinite(sent) && sent > 0 ? sent : Date.now()).toISOString(),
    receiveCount: Number(raw.Attributes?.ApproximateReceiveCount ?? 0),
    body: raw.Body ?? "",
    attributes,
  };
  let body: unknown;
  try {
    body = JSON.parse(base.body);
  } catch {
    body = undefined;
  }
  if (attributes.TARGET_ARN) {
    const arn = attributes.TARGET_ARN;
    const rule = attributes.RULE_ARN ? parseRuleArn(attributes.RULE_ARN) : undefined;
    const retries = Number(attributes.RETRY_ATTEMPTS);
    // The failed-invocations rule could not deliver Lambda's record: redrive it as what it is.
    return {
      ...base,
      shape: "rule-target",
      error: { type: attributes.ERROR_CODE ?? "Unknown", message: attributes.ERROR_MESSAGE ?? "" },
      target: { kind: targetKind(arn), arn, name: targetName(arn) },
      ...(rule ? { rule } : {}),
      ...(Number.isFinite(retries) ? { attempts: retries + 1 } : {}),
      ...(attributes.EXHAUSTED_RETRY_CONDITION ? { condition: attributes.EXHAUSTED_RETRY_CONDITION } : {}),
      payload: body ?? base.body,
      ...(isBusEvent(body) ? { event: body } : {}),
      message:
        isBusEvent(body) && body.source === "lambda" && isRecord(body.detail)
          ? summarize(body.detail.requestPayload)
          : summarize(body),
    };
  }
  if (
    isBusEvent(body) &&
    body.source === "lambda" &&
    body["detail-type"].startsWith("Lambda Function Invocation Result")
  ) {
    return { ...invocationLetter(base, body.detail), shape: "failed-invocation" };
  }
  if (isRecord(body) && isRecord(body.requestContext) && "requestPayload" in body) {
    return { ...invocationLetter(base, body), shape: "invocation-record" };
  }
  return {
    ...base,
    shape: "unknown",
    error: { type: "Unknown", message: "not a message Keel knows how to redrive" },
    target: { kind: "unknown", arn: "", name: "unknown" },
    message: summarize(body),
  };
}

/** What a dead letter is grouped by: EventBridge's ERROR_CODE, or the function's errorType. */
export const errorGroupOf = (letter: DeadLetter) => letter.error.type;
