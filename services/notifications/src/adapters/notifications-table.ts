import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Notification, NotificationKey } from "../domain/notification";
import type { NotificationsRepository } from "../domain/ports";

const keyOf = ({ orderKey, notificationId }: NotificationKey) => ({ orderKey, notificationId });

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

/**
 * Notifications in DynamoDB, by order (`orderKey` = tenant#order) and by event and channel
 * (`notificationId` = eventId#channel), guarded by conditional writes: an event's notification on
 * a channel is recorded once, and only a SENDING one can become SENT.
 */
export function notificationsTable(client: DynamoDBDocumentClient, tableName: string): NotificationsRepository {
  return {
    record: (notification) =>
      conditional(() =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: notification,
            ConditionExpression: "attribute_not_exists(notificationId)",
          }),
        ),
      ),

    async get(key) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true }),
      );
      return Item as Notification | undefined;
    },

    markSent: (key, { sentAt, providerMessageId }) =>
      conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keyOf(key),
            UpdateExpression: `SET #status = :sent, sentAt = :sentAt${providerMessageId ? ", providerMessageId = :messageId" : ""}`,
            ConditionExpression: "#status = :sending",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":sent": "SENT",
              ":sending": "SENDING",
              ":sentAt": sentAt,
              ...(providerMessageId ? { ":messageId": providerMessageId } : {}),
            },
          }),
        ),
      ),

    async markAnnounced(key, announcedAt) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(key),
          UpdateExpression: "SET announcedAt = if_not_exists(announcedAt, :announcedAt)",
          // Never create a stray item from a key alone.
          ConditionExpression: "attribute_exists(notificationId)",
          ExpressionAttributeValues: { ":announcedAt": announcedAt },
        }),
      );
    },
  };
}
