import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ReservationsRepository } from "../domain/ports";
import type { Reservation } from "../domain/reservation";
import { conditional } from "./conditional";

const keyOf = (tenantId: string, orderId: string) => ({ reservationKey: `${tenantId}#${orderId}` });

/** Reservations in DynamoDB, one item per order (`reservationKey` = tenant#order), guarded by conditional writes. */
export function reservationsTable(client: DynamoDBDocumentClient, tableName: string): ReservationsRepository {
  return {
    async get(tenantId, orderId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keyOf(tenantId, orderId), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const { reservationKey: _key, ...reservation } = Item;
      return reservation as Reservation;
    },
    create: (reservation) =>
      conditional(() =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keyOf(reservation.tenantId, reservation.orderId), ...reservation },
            ConditionExpression: "attribute_not_exists(reservationKey)",
          }),
        ),
      ),
    transition: (tenantId, orderId, from, to) => {
      const fields = Object.entries(to).filter(([, value]) => value !== undefined);
      const expected = Object.entries(from).filter(([, value]) => value !== undefined);
      return conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keyOf(tenantId, orderId),
            UpdateExpression: `SET ${fields.map((_, index) => `#f${index} = :v${index}`).join(", ")}`,
            ConditionExpression: expected.map((_, index) => `#e${index} = :e${index}`).join(" AND "),
            ExpressionAttributeNames: {
              ...Object.fromEntries(fields.map(([name], index) => [`#f${index}`, name])),
              ...Object.fromEntries(expected.map(([name], index) => [`#e${index}`, name])),
            },
            ExpressionAttributeValues: {
              ...Object.fromEntries(fields.map(([, value], index) => [`:v${index}`, value])),
              ...Object.fromEntries(expected.map(([, value], index) => [`:e${index}`, value])),
            },
          }),
        ),
      );
    },
  };
}
