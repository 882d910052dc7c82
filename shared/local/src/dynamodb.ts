import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import dynalite from "dynalite";
import type { TableDef } from "./config/model";

/** The CreateTable parameters DynamoDB accepts; the rest of a CloudFormation table is deployment-only. */
const CREATE_TABLE_KEYS = [
  "TableName",
  "AttributeDefinitions",
  "KeySchema",
  "LocalSecondaryIndexes",
  "GlobalSecondaryIndexes",
  "BillingMode",
  "ProvisionedThroughput",
  "TableClass",
] as const;

export interface LocalDynamoDB {
  url: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

async function seed(client: DynamoDBClient, table: TableDef) {
  const items = table.seed ?? [];
  for (let start = 0; start < items.length; start += 25) {
    const requests = items
      .slice(start, start + 25)
      .map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } }));
    let unprocessed: Record<string, typeof requests> | undefined = { [table.name]: requests };
    while (unprocessed && Object.keys(unprocessed).length > 0) {
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: unprocessed }));
      unprocessed = result.UnprocessedItems as typeof unprocessed;
    }
  }
}

export const localCredentials = { accessKeyId: "test", secretAccessKey: "test" };

/**
 * Starts dynalite (a DynamoDB-API server in Node) on 127.0.0.1 — in memory, or on disk under
 * `path` — creates every table of the system that does not exist yet, and puts a table's seed
 * items into it when it creates it (data kept on disk is never overwritten).
 */
export async function startDynamoDB(
  tables: readonly TableDef[],
  options: { port?: number; path?: string; region: string },
): Promise<LocalDynamoDB> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`port ${options.port} (DynamoDB) is already in use`) : error),
    );
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint: url, region: options.region, credentials: localCredentials });
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);
  for (const table of tables) {
    if (existing.has(table.name)) continue;
    const input = Object.fromEntries(
      CREATE_TABLE_KEYS.filter((key) => table.createTable[key] !== undefined).map((key) => [
        key,
        table.createTable[key],
      ]),
    );
    try {
      await client.send(new CreateTableCommand(input as never));
    } catch (error) {
      throw new Error(
        `table ${table.name} (${table.service}, ${table.logicalId}) cannot be created: ${(error as Error).message}`,
      );
    }
    await seed(client, table);
  }
  return {
    url,
    client,
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}
