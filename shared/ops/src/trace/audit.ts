import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";

/** The platform's audit record (`keel-<stage>-audit`), as the audit writer stores it. */
export interface AuditRecord {
  correlationId: string;
  recordKey: string;
  at: string;
  kind: string;
  service: string;
  name: string;
  messageId?: string;
  causationId?: string;
  subjectId?: string;
  tenantId?: string;
  executionArn?: string;
  durationMs?: number;
  error?: { type: string; message: string };
  data?: unknown;
  replayOf?: string;
}

export type QueryKind = "correlation" | "message" | "subject";

/** `corr_…` is a conversation, `cmd_…`/`evt_…` a message, anything else the subject (an order id). */
export const queryKindOf = (id: string): QueryKind =>
  id.startsWith("corr_") ? "correlation" : /^(cmd|evt)_/.test(id) ? "message" : "subject";

async function queryAll(
  db: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof QueryCommand>[0],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The conversations (correlation ids) an id belongs to, through the audit table's indexes. */
export async function conversationsOf(db: DynamoDBDocumentClient, table: string, id: string): Promise<string[]> {
  const kind = queryKindOf(id);
  if (kind === "correlation") return [id];
  const [index, key] = kind === "message" ? ["byMessage", "messageId"] : ["bySubject", "subjectId"];
  const items = await queryAll(db, {
    TableName: table,
    IndexName: index,
    KeyConditionExpression: "#key = :id",
    ExpressionAttributeNames: { "#key": key },
    ExpressionAttributeValues: { ":id": id },
  });
  return [...new Set(items.map((item) => String(item.correlationId)))];
}

/** Every record of a conversation, in time order. */
export async function conversation(db: DynamoDBDocumentClient, table: string, correlationId: string) {
  return (await queryAll(db, {
    TableName: table,
    KeyConditionExpression: "correlationId = :id",
    ExpressionAttributeValues: { ":id": correlationId },
  })) as unknown as AuditRecord[];
}
