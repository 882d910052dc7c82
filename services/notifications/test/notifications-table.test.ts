import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type LocalDynamoDB, startDynamoDB } from "@keel/local";
import { notificationsTable } from "../src/adapters/notifications-table";
import type { Notification } from "../src/domain/notification";

// The table as serverless.yml declares it: by order, then by event and channel.
let dynamo: LocalDynamoDB;
beforeAll(async () => {
  dynamo = await startDynamoDB(
    [
      {
        service: "notifications",
        logicalId: "NotificationsTable",
        name: "notifications",
        createTable: {
          TableName: "notifications",
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [
            { AttributeName: "orderKey", AttributeType: "S" },
            { AttributeName: "notificationId", AttributeType: "S" },
          ],
          KeySchema: [
            { AttributeName: "orderKey", KeyType: "HASH" },
            { AttributeName: "notificationId", KeyType: "RANGE" },
          ],
        },
      },
    ],
    { region: "us-east-1" },
  );
});
afterAll(() => dynamo.close());

const table = () =>
  notificationsTable(
    DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } }),
    "notifications",
  );

const notification = (notificationId: string): Notification => ({
  orderKey: "tenant-1#ORD-1",
  notificationId,
  tenantId: "tenant-1",
  orderId: "ORD-1",
  channel: "email",
  recipient: "ada@example.com",
  template: "order-created",
  about: "OrderCreated",
  aboutEventId: "evt_01M85DMB002YNRNAEV7EVSBNKN",
  correlationId: "corr_01M85DMB002YNRNAEV7EVSBNKK",
  subject: "Your order ORD-1 is confirmed",
  body: "Thank you for your order ORD-1.",
  status: "SENDING",
  sentEventId: "evt_01M85DMB002YNRNAEV7EVSBNKP",
  recordedAt: "2026-11-24T00:00:00.000Z",
});

describe("the notifications table", () => {
  it("records a notification once: a second put of the same event and channel is refused", async () => {
    const notifications = table();
    const first = notification("evt_A#email");
    expect(await notifications.record(first)).toBe(true);
    expect(await notifications.record({ ...first, recipient: "someone-else@example.com" })).toBe(false);
    expect(await notifications.get(first)).toEqual(first);
    // The same event on another channel, or another event, is another notification.
    expect(await notifications.record(notification("evt_A#sms"))).toBe(true);
    expect(await notifications.record(notification("evt_B#email"))).toBe(true);
    expect(await notifications.get({ orderKey: "tenant-1#ORD-404", notificationId: "evt_A#email" })).toBeUndefined();
  });

  it("moves SENDING to SENT once, then notes the announcement once", async () => {
    const notifications = table();
    const key = notification("evt_C#email");
    await notifications.record(key);
    expect(await notifications.markSent(key, { sentAt: "2026-11-24T00:00:01.000Z", providerMessageId: "ses-1" })).toBe(
      true,
    );
    expect(await notifications.markSent(key, { sentAt: "2026-11-24T00:00:02.000Z" })).toBe(false);
    await notifications.markAnnounced(key, "2026-11-24T00:00:03.000Z");
    await notifications.markAnnounced(key, "2026-11-24T00:00:04.000Z");
    expect(await notifications.get(key)).toEqual({
      ...notification("evt_C#email"),
      status: "SENT",
      sentAt: "2026-11-24T00:00:01.000Z",
      providerMessageId: "ses-1",
      announcedAt: "2026-11-24T00:00:03.000Z",
    });
  });

  it("marks nothing that was never recorded", async () => {
    const notifications = table();
    const missing = { orderKey: "tenant-1#ORD-1", notificationId: "evt_missing#sms" };
    expect(await notifications.markSent(missing, { sentAt: "2026-11-24T00:00:01.000Z" })).toBe(false);
    await expect(notifications.markAnnounced(missing, "2026-11-24T00:00:01.000Z")).rejects.toThrow();
    expect(await notifications.get(missing)).toBeUndefined();
  });
});
