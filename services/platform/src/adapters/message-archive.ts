import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { MessageArchive } from "../domain/ports";

/** The message archive in DynamoDB: one item per event (`partition` + `position`), written as it is. */
export function messageArchiveTable(client: DynamoDBDocumentClient, tableName: string): MessageArchive {
  return {
    async put(message) {
      await client.send(new PutCommand({ TableName: tableName, Item: { ...message } }));
    },
  };
}
