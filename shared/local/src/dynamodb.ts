import { mkdirSync } from "node:fs";
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import dynalite from "dynalite";
import { AwsError } from "./aws/protocol";
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
  /** The calls made so far, by operation (PutItem, Query, …), refused ones included. */
  operationCounts(): Record<string, number>;
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
 * Puts a check in front of dynalite's request handler: the body is read once, checked, and
 * replayed to dynalite unchanged; a refused call gets DynamoDB's error shape.
 */
function guard(
  server: Server,
  authorize: (headers: IncomingHttpHeaders, operation: string, input: Record<string, unknown>) => void,
) {
  const [handler] = server.listeners("request") as RequestListener[];
  if (!handler) throw new Error("dynalite has no request handler to guard");
  server.removeAllListeners("request");
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const target = request.headers["x-amz-target"];
      if (typeof target === "string" && request.method === "POST") {
        let input: Record<string, unknown> | undefined;
        try {
          input = JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
        } catch {
          // dynalite answers malformed bodies itself
        }
        try {
          if (input) authorize(request.headers, target.slice(target.lastIndexOf(".") + 1), input);
        } catch (error) {
          if (!(error instanceof AwsError)) throw error;
          const payload = JSON.stringify({
            __type: `com.amazonaws.dynamodb.v20120810#${error.code}`,
            message: error.message,
          });
          response.writeHead(error.status, {
            "content-type": "application/x-amz-json-1.0",
            "content-length": Buffer.byteLength(payload),
          });
          response.end(payload);
          return;
        }
      }
      const replay = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
        headers: request.headers,
        method: request.method,
        url: request.url,
      });
      handler(replay as unknown as IncomingMessage, response);
    });
  });
}

/**
 * Starts dynalite (a DynamoDB-API server in Node) on 127.0.0.1 — in memory, or on disk under
 * `path` — creates every table of the system that does not exist yet, and puts a table's seed
 * items into it when it creates it (data kept on disk is never overwritten).
 */
export async function startDynamoDB(
  tables: readonly TableDef[],
  options: {
    port?: number;
    path?: string;
    region: string;
    /** Checks each call before DynamoDB runs it; throws an AwsError to refuse it. */
    authorize?: (headers: IncomingHttpHeaders, operation: string, input: Record<string, unknown>) => void;
  },
): Promise<LocalDynamoDB> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  if (options.authorize) guard(server, options.authorize);
  const counts = new Map<string, number>();
  server.prependListener("request", (request: IncomingMessage) => {
    const target = request.headers["x-amz-target"];
    if (typeof target !== "string") return;
    const operation = target.slice(target.lastIndexOf(".") + 1);
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    if (operation !== "BatchWriteItem") return;
    // A batch is billed by the items it writes: they are counted as `BatchWriteItem.items`.
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          RequestItems?: Record<string, unknown[]>;
        };
        const items = Object.values(input.RequestItems ?? {}).reduce((total, requests) => total + requests.length, 0);
        counts.set("BatchWriteItem.items", (counts.get("BatchWriteItem.items") ?? 0) + items);
      } catch {
        // dynalite answers a malformed body itself
      }
    });
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
    // A new table is CREATING for a moment (dynalite too, on a timer): writes wait until it is ACTIVE.
    while ((await client.send(new DescribeTableCommand({ TableName: table.name }))).Table?.TableStatus !== "ACTIVE") {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await seed(client, table);
  }
  return {
    url,
    client,
    operationCounts: () => Object.fromEntries(counts),
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}
