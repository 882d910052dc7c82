import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { StockRepository } from "../domain/ports";
import { type StockItem, whyNotTaken } from "../domain/stock";
import { conditional, isConditionFailure } from "./conditional";

/** How many times a take is tried when the item keeps changing between the refused write and the read. */
const TAKE_ATTEMPTS = 5;

/** The SKU's item changed under every attempt to take from it: a retry of the command will try again. */
export class StockContendedError extends Error {
  override readonly name = "StockContendedError";
}

/**
 * Stock in DynamoDB, one item per SKU: `{ sku, available, holds: { [reservationId]: qty } }`.
 * Each move is one conditional UpdateItem — no transactions — so it is atomic and happens at most
 * once per reservation. A refused take reads the item to learn why.
 */
export function stockTable(client: DynamoDBDocumentClient, tableName: string): StockRepository {
  const read = async (sku: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { sku }, ConsistentRead: true }))).Item as
      | StockItem
      | undefined;

  /** Applies an update that needs the reservation's hold; the quantity it held, 0 when it held none. */
  const withHold = async (sku: string, reservationId: string, updateExpression: string) => {
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { sku },
          UpdateExpression: updateExpression,
          ConditionExpression: "attribute_exists(holds.#r)",
          ExpressionAttributeNames: { "#r": reservationId },
          ReturnValues: "UPDATED_OLD",
        }),
      );
      return Number((Attributes as Partial<StockItem> | undefined)?.holds?.[reservationId] ?? 0);
    } catch (error) {
      if (isConditionFailure(error)) return 0;
      throw error;
    }
  };

  return {
    async take(sku, reservationId, qty) {
      for (let attempt = 1; attempt <= TAKE_ATTEMPTS; attempt += 1) {
        const taken = await conditional(() =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { sku },
              UpdateExpression: "SET available = available - :q, holds.#r = :q",
              ConditionExpression: "attribute_exists(sku) AND available >= :q AND attribute_not_exists(holds.#r)",
              ExpressionAttributeNames: { "#r": reservationId },
              ExpressionAttributeValues: { ":q": qty },
            }),
          ),
        );
        if (taken) return { kind: "taken" };
        const why = whyNotTaken(await read(sku), reservationId, qty);
        if (why) return why;
      }
      throw new StockContendedError(`${sku} changed under ${TAKE_ATTEMPTS} attempts to take ${qty} from it`);
    },
    giveBack: (sku, reservationId) =>
      withHold(sku, reservationId, "SET available = available + holds.#r REMOVE holds.#r"),
    commit: (sku, reservationId) => withHold(sku, reservationId, "REMOVE holds.#r"),
  };
}
