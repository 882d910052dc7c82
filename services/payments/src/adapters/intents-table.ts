import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { IntentsRepository, SagaPayment } from "../domain/charge";

const keyOf = (tenantId: string, orderId: string) => ({ paymentKey: `${tenantId}#${orderId}` });

/** The saga's halves of each order's payment, one item per order; each half is written once. */
export function intentsTable(client: DynamoDBDocumentClient, tableName: string): IntentsRepository {
  const record = async (tenantId: string, orderId: string, field: "intent" | "reservationId", value: unknown) => {
    const result = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keyOf(tenantId, orderId),
        UpdateExpression: "SET #field = if_not_exists(#field, :value)",
        ExpressionAttributeNames: { "#field": field },
        ExpressionAttributeValues: { ":value": value },
        ReturnValues: "ALL_NEW",
      }),
    );
    const item = (result.Attributes ?? {}) as SagaPayment;
    return {
      ...(item.intent ? { intent: item.intent } : {}),
      ...(item.reservationId ? { reservationId: item.reservationId } : {}),
    };
  };
  return {
    recordIntent: (intent) => record(intent.tenantId, intent.orderId, "intent", intent),
    recordReservation: (tenantId, orderId, reservationId) => record(tenantId, orderId, "reservationId", reservationId),
  };
}
