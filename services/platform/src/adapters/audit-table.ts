import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AuditStore } from "../domain/ports";

/** Audit records in DynamoDB (`correlationId` + `recordKey`), written in batches of 25 with unprocessed items retried. */
export function auditTable(client: DynamoDBDocumentClient, tableName: string): AuditStore {
  return {
    async write(records) {
      for (let start = 0; start < records.length; start += 25) {
        let requests: Record<string, Array<{ PutRequest: { Item: Record<string, unknown> } }>> | undefined = {
          [tableName]: records.slice(start, start + 25).map((record) => ({ PutRequest: { Item: { ...record } } })),
        };
        for (let attempt = 0; requests && Object.keys(requests).length > 0; attempt += 1) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
          const result = await client.send(new BatchWriteCommand({ RequestItems: requests }));
          requests = result.UnprocessedItems as typeof requests;
        }
      }
    },
  };
}
