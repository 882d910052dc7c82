import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoDBClient, env } from "@keel/runtime";
import type { ReservationsRepository, StockRepository } from "../domain/ports";
import { reservationsTable } from "./reservations-table";
import { stockTable } from "./stock-table";

export interface InventoryDependencies {
  reservations: ReservationsRepository;
  stock: StockRepository;
}

let real: InventoryDependencies | undefined;

/** The real adapters, built once per execution environment from its configuration. */
export function inventoryDependencies(): InventoryDependencies {
  if (!real) {
    const client = DynamoDBDocumentClient.from(dynamoDBClient(), { marshallOptions: { removeUndefinedValues: true } });
    real = {
      reservations: reservationsTable(client, env("RESERVATIONS_TABLE")),
      stock: stockTable(client, env("STOCK_TABLE")),
    };
  }
  return real;
}
