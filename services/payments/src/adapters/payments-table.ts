import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Payment, PaymentStatus } from "../domain/payment";
import type { PaymentsRepository } from "../domain/ports";

const keyOf = (tenantId: string, orderId: string) => ({ paymentKey: `${tenantId}#${orderId}` });

async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === "ConditionalCheckFailedException")
      return false;
    throw error;
  }
}

/** Payments in DynamoDB, one item per order (`paymentKey` = tenant#order), guarded by conditional writes. */
export function paymentsTable(client: DynamoDBDocumentClient, tableName: string): PaymentsRepository {
  return {
    async get(tenantId, orderId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keyOf(tenantId, orderId), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const { paymentKey: _key, ...payment } = Item;
      return payment as Payment;
    },
    create: (payment) =>
      conditional(() =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keyOf(payment.tenantId, payment.orderId), ...payment },
            ConditionExpression: "attribute_not_exists(paymentKey)",
          }),
        ),
      ),
    transition: (tenantId, orderId, from: PaymentStatus, to) => {
      const fields = Object.entries(to).filter(([, value]) => value !== undefined);
      return conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keyOf(tenantId, orderId),
            UpdateExpression: `SET ${fields.map((_, index) => `#f${index} = :v${index}`).join(", ")}`,
            ConditionExpression: "#status = :from",
            ExpressionAttributeNames: {
              "#status": "status",
              ...Object.fromEntries(fields.map(([name], index) => [`#f${index}`, name])),
            },
            ExpressionAttributeValues: {
              ":from": from,
              ...Object.fromEntries(fields.map(([, value], index) => [`:v${index}`, value])),
            },
          }),
        ),
      );
    },
  };
}
