import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DataOf, EventEnvelope } from "@keel/contracts";
import { OrderIdTakenError, type OrdersRepository } from "../domain/ports";
import type { OrderView } from "../domain/read-model";

const keyOf = (tenantId: string, orderId: string) => ({ orderKey: `${tenantId}#${orderId}` });

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as Error).name === "ConditionalCheckFailedException";

/** One item per order: the read model (`view`) and, once PersistOrder ran, the order's record. */
interface OrderItem {
  orderKey: string;
  commandId: string;
  version: number;
  view: OrderView;
  persistedBy?: string;
  persistedAt?: string;
  lines?: Array<{ sku: string; qty: number }>;
  persistedEvent?: EventEnvelope<DataOf<"OrderCreated">>;
}

/**
 * Orders in DynamoDB (`orderKey` = tenant#order). Read-model updates use optimistic concurrency
 * on `version`, which every write bumps.
 */
export function ordersTable(client: DynamoDBDocumentClient, tableName: string): OrdersRepository {
  const read = async (tenantId: string, orderId: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: keyOf(tenantId, orderId), ConsistentRead: true })))
      .Item as OrderItem | undefined;

  return {
    async accept(view) {
      try {
        const item: OrderItem = { ...keyOf(view.tenantId, view.orderId), commandId: view.startedBy, version: 1, view };
        await client.send(
          new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(orderKey)" }),
        );
        return "accepted";
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const existing = await read(view.tenantId, view.orderId);
        return existing?.commandId === view.startedBy ? "already-accepted" : "taken";
      }
    },

    get: async (tenantId, orderId) => (await read(tenantId, orderId))?.view,

    async persist(tenantId, orderId, commandId, record) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keyOf(tenantId, orderId),
            UpdateExpression:
              "SET persistedBy = :command, persistedAt = :now, persistedEvent = :event, #lines = :lines ADD version :one",
            ConditionExpression: "commandId = :command AND attribute_not_exists(persistedBy)",
            ExpressionAttributeNames: { "#lines": "lines" },
            ExpressionAttributeValues: {
              ":command": commandId,
              ":now": new Date().toISOString(),
              ":event": record.event,
              ":lines": record.lines,
              ":one": 1,
            },
          }),
        );
        return record.event;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const existing = await read(tenantId, orderId);
        if (existing?.persistedBy === commandId && existing.persistedEvent) return existing.persistedEvent;
        throw new OrderIdTakenError(
          existing
            ? `order ${orderId} is already held by command ${existing.commandId}`
            : `order ${orderId} was never accepted for command ${commandId}`,
        );
      }
    },

    async change(tenantId, orderId, step) {
      for (;;) {
        const item = await read(tenantId, orderId);
        if (!item) return undefined;
        const { view, result } = step(item.view);
        if (view === item.view) return result;
        try {
          await client.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...item, view, version: item.version + 1 },
              ConditionExpression: "version = :version",
              ExpressionAttributeValues: { ":version": item.version },
            }),
          );
          return result;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
    },
  };
}
