import { getMessage } from "@keel/contracts";

/**
 * Keel's readable message archive: every command and event as it travelled (the whole EventBridge
 * event, personal data and secrets included — the table is encrypted with its own KMS key), so
 * `keel replay` can select messages by time, type, conversation or tenant and publish them again.
 * EventBridge's own archives cannot be read, only replayed whole by time and rule.
 *
 * Keys (read by `@keel/ops`' archive reader — change both together):
 * - `partition`: `<bus>#<YYYY-MM-DDTHH>`, one item collection per bus and hour of the event's time;
 * - `position`: `<event time, ISO 8601 with milliseconds>#<EventBridge event id>`, time-ordered
 *   and the same for every delivery of one event, so a retried write leaves one item.
 */
export interface ArchivedMessage {
  partition: string;
  position: string;
  bus: string;
  /** The event's `time`, ISO 8601 with milliseconds. */
  receivedAt: string;
  eventId: string;
  source: string;
  detailType: string;
  messageId?: string;
  correlationId?: string;
  tenantId?: string;
  /** Set when the message is itself a replay: the id of the message it re-publishes. */
  replayOf?: string;
  /** The whole EventBridge event, as JSON text. */
  event: string;
  /** Epoch seconds after which DynamoDB's TTL deletes the item. */
  expiresAt: number;
}

export interface BusEventLike {
  id: string;
  source: string;
  "detail-type": string;
  time: string;
  detail: unknown;
}

export const archivePartition = (bus: string, at: string) => `${bus}#${at.slice(0, 13)}`;

const text = (value: unknown) => (typeof value === "string" && value.length > 0 ? value : undefined);

/**
 * The archive item of an event seen on one of the two buses. The audit writer's two rules match
 * commands on the command bus and events on the event bus, so the registry's kind of the
 * detail-type names the bus the event was published on.
 */
export function archivedMessage(
  event: BusEventLike,
  buses: { commands: string; events: string },
  retentionDays: number,
  now: Date = new Date(),
): ArchivedMessage {
  const meta = ((event.detail as { meta?: Record<string, unknown> } | null)?.meta ?? {}) as Record<string, unknown>;
  const kind = getMessage(event["detail-type"])?.kind ?? (meta.messageType === "command" ? "command" : "event");
  const bus = kind === "command" ? buses.commands : buses.events;
  const parsedTime = new Date(event.time);
  const receivedAt = (Number.isNaN(parsedTime.getTime()) ? now : parsedTime).toISOString();
  const messageId = text(meta.commandId) ?? text(meta.eventId);
  const correlationId = text(meta.correlationId);
  const tenantId = text(meta.tenantId);
  const replayOf = text(meta.replayOf);
  return {
    partition: archivePartition(bus, receivedAt),
    position: `${receivedAt}#${event.id}`,
    bus,
    receivedAt,
    eventId: event.id,
    source: event.source,
    detailType: event["detail-type"],
    ...(messageId ? { messageId } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(tenantId ? { tenantId } : {}),
    ...(replayOf ? { replayOf } : {}),
    event: JSON.stringify(event),
    expiresAt: Math.floor(now.getTime() / 1000) + retentionDays * 86_400,
  };
}
