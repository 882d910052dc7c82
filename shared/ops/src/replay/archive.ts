import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { BusEvent } from "../dlq/dead-letter";

/** A message as Keel's message archive keeps it: the whole EventBridge event and a few keys to filter on. */
export interface ArchivedMessage {
  bus: string;
  /** The event's time (ISO 8601). */
  receivedAt: string;
  eventId: string;
  source: string;
  detailType: string;
  messageId?: string;
  correlationId?: string;
  tenantId?: string;
  replayOf?: string;
  event: BusEvent;
}

/** Reads archived messages of one bus between two times, oldest first. */
export interface ArchiveReader {
  read(filter: { bus: string; from: Date; to: Date }): AsyncIterable<ArchivedMessage>;
}

const HOUR = 3_600_000;

/** The hours (`YYYY-MM-DDTHH`) a time window spans. */
export function hoursBetween(from: Date, to: Date): string[] {
  const hours: string[] = [];
  for (let at = Math.floor(from.getTime() / HOUR) * HOUR; at <= to.getTime(); at += HOUR)
    hours.push(new Date(at).toISOString().slice(0, 13));
  return hours;
}

/**
 * The message archive table the platform's audit writer fills (`keel-<stage>-message-archive`):
 * one query per bus and hour of the window (`partition` = `<bus>#<YYYY-MM-DDTHH>`), each between
 * the window's bounds on `position` (`<time>#<event id>`). The same code reads it on AWS and on
 * the local runtime, where the platform service runs too.
 */
export function archiveTableReader(db: DynamoDBDocumentClient, table: string): ArchiveReader {
  return {
    async *read({ bus, from, to }) {
      for (const hour of hoursBetween(from, to)) {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await db.send(
            new QueryCommand({
              TableName: table,
              KeyConditionExpression: "#partition = :partition AND #position BETWEEN :from AND :to",
              ExpressionAttributeNames: { "#partition": "partition", "#position": "position" },
              ExpressionAttributeValues: {
                ":partition": `${bus}#${hour}`,
                ":from": from.toISOString(),
                // "~" sorts after every "#<event id>" suffix of the last millisecond.
                ":to": `${to.toISOString()}~`,
              },
              ExclusiveStartKey: start,
            }),
          );
          for (const item of page.Items ?? []) {
            const { partition: _partition, position: _position, expiresAt: _expires, event, ...rest } = item;
            yield { ...(rest as Omit<ArchivedMessage, "event">), event: JSON.parse(String(event)) as BusEvent };
          }
          start = page.LastEvaluatedKey;
        } while (start);
      }
    },
  };
}
