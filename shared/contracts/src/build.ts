import {
  type CommandEnvelope,
  type Envelope,
  type EventEnvelope,
  type Initiator,
  messageIdOf,
  type ReplyTo,
  type Routing,
  type Subject,
} from "./envelope";
import { ContractError, toContractIssues } from "./errors";
import { newCommandId, newCorrelationId, newEventId } from "./ids";
import { type CommandName, type DataOf, type EventName, registry } from "./registry";

/** The message that caused a new one: its correlation id is carried, its id becomes the causation id. */
export type Cause = Pick<Envelope, "meta">;

export interface CommandOptions {
  /** The parent message; when absent the command starts a conversation. */
  cause?: Cause;
  /** Required when there is no cause to take it from. */
  tenantId?: string;
  initiator: Initiator;
  /** For a command that starts a conversation: an id the client brought. Ignored when there is a cause. */
  correlationId?: string;
  routing?: Partial<Routing>;
  replyTo?: ReplyTo;
  now?: Date;
}

function validated<N extends CommandName | EventName>(name: N, data: DataOf<N>): DataOf<N> {
  const result = registry[name].schema.safeParse(data);
  if (!result.success) throw new ContractError(toContractIssues(result.error, data, ["data"]), name);
  return result.data as DataOf<N>;
}

const causationOf = (cause?: Cause) => (cause ? messageIdOf(cause as Envelope) : null);

function orderSubject(domain: string, data: unknown): Subject | undefined {
  const id = (data as { orderId?: unknown }).orderId;
  return typeof id === "string" ? { domain, id } : undefined;
}

/** A new command envelope in the current version of `name`, its data validated against the registry. */
export function createCommand<N extends CommandName>(
  name: N,
  data: DataOf<N>,
  options: CommandOptions,
): CommandEnvelope<DataOf<N>> {
  const message = registry[name];
  const tenantId = options.tenantId ?? options.cause?.meta.tenantId;
  if (!tenantId) throw new ContractError([{ path: "meta.tenantId", message: "is required" }], name);
  const now = options.now ?? new Date();
  return {
    meta: {
      messageType: "command",
      commandName: name,
      schemaVersion: message.version,
      commandId: newCommandId(now.getTime()),
      correlationId: options.cause?.meta.correlationId ?? options.correlationId ?? newCorrelationId(now.getTime()),
      causationId: causationOf(options.cause),
      occurredAt: now.toISOString(),
      tenantId,
      initiator: options.initiator,
      ...(options.replyTo ? { replyTo: options.replyTo } : {}),
    },
    routing: {
      domain: message.owner,
      target: message.handler ?? message.owner,
      priority: "normal",
      ...options.routing,
    },
    data: validated(name, data),
  };
}

export interface EventOptions {
  /** The parent message. An event caused by a command is its outcome and echoes the command's `replyTo`. */
  cause?: Cause;
  /** For an event that starts a conversation: an id the client brought. Ignored when there is a cause. */
  correlationId?: string;
  tenantId?: string;
  subject?: Subject;
  now?: Date;
}

/** A new event envelope in the current version of `name`, its data validated against the registry. */
export function createEvent<N extends EventName>(
  name: N,
  data: DataOf<N>,
  options: EventOptions = {},
): EventEnvelope<DataOf<N>> {
  const message = registry[name];
  const now = options.now ?? new Date();
  const tenantId = options.tenantId ?? options.cause?.meta.tenantId;
  const replyTo = options.cause?.meta.messageType === "command" ? options.cause.meta.replyTo : undefined;
  const subject = options.subject ?? orderSubject(message.owner, data);
  return {
    meta: {
      messageType: "event",
      eventName: name,
      schemaVersion: message.version,
      eventId: newEventId(now.getTime()),
      correlationId: options.cause?.meta.correlationId ?? options.correlationId ?? newCorrelationId(now.getTime()),
      causationId: causationOf(options.cause),
      occurredAt: now.toISOString(),
      producer: message.source.split(".").slice(-2).join("."),
      ...(tenantId ? { tenantId } : {}),
      ...(replyTo ? { replyTo } : {}),
    },
    ...(subject ? { subject } : {}),
    data: validated(name, data),
  };
}

export interface EventBridgeEntry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
  Time: Date;
}

/** The PutEvents entry for an envelope: `source` and `detail-type` from the registry. */
export function toEventBridgeEntry(envelope: Envelope, eventBusName: string): EventBridgeEntry {
  const name = envelope.meta.messageType === "command" ? envelope.meta.commandName : envelope.meta.eventName;
  const message = registry[name as keyof typeof registry];
  if (!message) throw new ContractError([{ path: "meta", message: `"${name}" is not a registered message` }]);
  return {
    EventBusName: eventBusName,
    Source: message.source,
    DetailType: message.name,
    Detail: JSON.stringify(envelope),
    Time: new Date(envelope.meta.occurredAt),
  };
}
