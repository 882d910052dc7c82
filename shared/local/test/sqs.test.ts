import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { AwsError, type AwsServer, startAwsServer } from "../src/aws/protocol";
import { md5OfMessageAttributes, SqsEmulator, sqsService } from "../src/sqs";
import { queryErrorHeader } from "../src/sqs/errors";

const REGION = "us-east-1";
const ACCOUNT = "000000000000";

let emulator: SqsEmulator;
let server: AwsServer;
let sqs: SQSClient;

beforeAll(async () => {
  emulator = new SqsEmulator({ region: REGION, accountId: ACCOUNT });
  server = await startAwsServer([sqsService(emulator)]);
  sqs = new SQSClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});

afterAll(async () => {
  sqs.destroy();
  await server.close();
  await emulator.close();
});

let counter = 0;
async function createQueue(attributes: Record<string, string> = {}, prefix = "queue"): Promise<string> {
  counter++;
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `${prefix}-${counter}`, Attributes: attributes }),
  );
  if (!QueueUrl) throw new Error("CreateQueue returned no URL");
  return QueueUrl;
}

async function attributes(queueUrl: string, names: QueueAttributeName[] = ["All"]) {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names }));
  return Attributes ?? {};
}

async function receiveOne(queueUrl: string, visibilityTimeout?: number) {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
      ...(visibilityTimeout !== undefined ? { VisibilityTimeout: visibilityTimeout } : {}),
    }),
  );
  const [message] = Messages ?? [];
  if (!message?.ReceiptHandle) throw new Error("expected a message");
  return { ...message, ReceiptHandle: message.ReceiptHandle };
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error("expected the call to fail");
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe("queues", () => {
  it("creates a queue idempotently, finds it by name and lists it by prefix", async () => {
    const queueUrl = await sqs.send(new CreateQueueCommand({ QueueName: "orders-dlq", tags: { team: "orders" } }));
    expect(queueUrl.QueueUrl).toBe(`${server.url}/${ACCOUNT}/orders-dlq`);
    const again = await sqs.send(
      new CreateQueueCommand({ QueueName: "orders-dlq", Attributes: { VisibilityTimeout: "30" } }),
    );
    expect(again.QueueUrl).toBe(queueUrl.QueueUrl);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: "orders-dlq" }))).QueueUrl).toBe(queueUrl.QueueUrl);
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl.QueueUrl }))).Tags).toEqual({
      team: "orders",
    });
    await sqs.send(new CreateQueueCommand({ QueueName: "orders-other" }));
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "orders-" }));
    expect(listed.QueueUrls).toEqual([`${server.url}/${ACCOUNT}/orders-dlq`, `${server.url}/${ACCOUNT}/orders-other`]);
    const firstPage = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "orders-", MaxResults: 1 }));
    expect(firstPage.QueueUrls).toEqual([`${server.url}/${ACCOUNT}/orders-dlq`]);
    const secondPage = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: "orders-", MaxResults: 1, NextToken: firstPage.NextToken }),
    );
    expect(secondPage.QueueUrls).toEqual([`${server.url}/${ACCOUNT}/orders-other`]);
    expect(secondPage.NextToken).toBeUndefined();
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "nothing-" }))).QueueUrls).toBeUndefined();
  });

  it("reports the queue attributes with SQS's defaults, and changes them", async () => {
    const queueUrl = await createQueue({ VisibilityTimeout: "45" });
    const all = await attributes(queueUrl);
    expect(all).toMatchObject({
      QueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${queueUrl.split("/").at(-1)}`,
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
      ApproximateNumberOfMessagesDelayed: "0",
      VisibilityTimeout: "45",
      MaximumMessageSize: "1048576",
      MessageRetentionPeriod: "345600",
      DelaySeconds: "0",
      ReceiveMessageWaitTimeSeconds: "0",
      SqsManagedSseEnabled: "true",
    });
    expect(Number(all.CreatedTimestamp)).toBeCloseTo(Date.now() / 1000, -1);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { DelaySeconds: "5" } }));
    expect(await attributes(queueUrl, ["DelaySeconds", "VisibilityTimeout"])).toEqual({
      DelaySeconds: "5",
      VisibilityTimeout: "45",
    });
  });

  it("accepts a queue URL with any host, as the SDK sends back what it was given", async () => {
    const queueUrl = await createQueue();
    const elsewhere = queueUrl.replace(server.url, "http://sqs.us-east-1.localhost:4566");
    await sqs.send(new SendMessageCommand({ QueueUrl: elsewhere, MessageBody: "hello" }));
    expect((await attributes(queueUrl, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages).toBe("1");
  });

  it("deletes a queue", async () => {
    const queueUrl = await createQueue();
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    const error = await errorOf(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] })),
    );
    expect(error.name).toBe("QueueDoesNotExist");
  });
});

describe("sending and receiving", () => {
  it("round-trips a message with attributes, with digests the SDK and SQS agree on", async () => {
    const queueUrl = await createQueue();
    const messageAttributes = {
      Hello: { DataType: "String", StringValue: "There" },
      "Help.Me": { DataType: "String", StringValue: "Me" },
      General: { DataType: "String", StringValue: "Kenobi" },
      count: { DataType: "Number", StringValue: "42" },
      blob: { DataType: "Binary", BinaryValue: Uint8Array.from([0, 1, 255]) },
    };
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: "héllo wörld",
        MessageAttributes: messageAttributes,
        MessageSystemAttributes: { AWSTraceHeader: { DataType: "String", StringValue: "Root=1-5759e988-bd862e3f" } },
      }),
    );
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.MD5OfMessageBody).toBe("ed0c22cc110ede12327851863c078138");
    expect(sent.MD5OfMessageAttributes).toBe(md5OfMessageAttributes(messageAttributes));
    expect(sent.MD5OfMessageSystemAttributes).toMatch(/^[0-9a-f]{32}$/);

    const before = Date.now();
    const received = await receiveOne(queueUrl);
    expect(received).toMatchObject({
      MessageId: sent.MessageId,
      Body: "héllo wörld",
      MD5OfBody: sent.MD5OfMessageBody,
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      MessageAttributes: messageAttributes,
    });
    expect(received.Attributes).toMatchObject({
      ApproximateReceiveCount: "1",
      SenderId: ACCOUNT,
      AWSTraceHeader: "Root=1-5759e988-bd862e3f",
    });
    expect(Number(received.Attributes?.SentTimestamp)).toBeLessThanOrEqual(before);
    expect(Number(received.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(before);

    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: received.ReceiptHandle }));
    expect(
      await attributes(queueUrl, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]),
    ).toEqual({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" });
  });

  it("computes the attribute digests SQS itself returns", () => {
    const string = (value: string) => ({ DataType: "String", StringValue: value });
    expect(md5OfMessageAttributes({ Foo: string("Bar") })).toBe("ae7155c6026991b6d54b11589678bf9c");
    expect(md5OfMessageAttributes({ General: string("Kenobi"), Hello: string("There"), "Help.Me": string("Me") })).toBe(
      "4c360f3fdafd970e05fae2f149d997f5",
    );
    const traceparent = Buffer.from("traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01");
    expect(md5OfMessageAttributes({ attr1: { DataType: "Binary", BinaryValue: traceparent } })).toBe(
      "8cbe4db156db8a94db8b801b7addb984",
    );
    expect(md5OfMessageAttributes({})).toBeUndefined();
  });

  it("returns only the message attributes asked for, by name or prefix", async () => {
    const queueUrl = await createQueue();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: "msg",
        MessageAttributes: {
          General: { DataType: "String", StringValue: "Kenobi" },
          Hello: { DataType: "String", StringValue: "There" },
          "Help.Me": { DataType: "String", StringValue: "Me" },
        },
      }),
    );
    const receive = async (names: string[] | undefined) => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0, MessageAttributeNames: names }),
      );
      return Messages?.[0];
    };
    const prefixed = await receive(["Hel.*"]);
    expect(Object.keys(prefixed?.MessageAttributes ?? {})).toEqual(["Hello", "Help.Me"]);
    expect(prefixed?.MD5OfMessageAttributes).toBe("83fee93c1bcd8b9a5a923ffacdc636c7");
    expect((await receive(["Hello", "Missing"]))?.MD5OfMessageAttributes).toBe("a311262e065454b75da111d535b8dacd");
    const none = await receive(undefined);
    expect(none?.MessageAttributes).toBeUndefined();
    expect(none?.MD5OfMessageAttributes).toBeUndefined();
    expect(none?.Attributes).toBeUndefined();
  });

  it("hides a received message for the visibility timeout, then delivers it again", async () => {
    const queueUrl = await createQueue({ VisibilityTimeout: "1" });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "retry me" }));
    const first = await receiveOne(queueUrl);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages).toBeUndefined();
    expect(await attributes(queueUrl, ["ApproximateNumberOfMessagesNotVisible"])).toEqual({
      ApproximateNumberOfMessagesNotVisible: "1",
    });
    await sleep(1100);
    const second = await receiveOne(queueUrl, 30);
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(second.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      first.Attributes?.ApproximateFirstReceiveTimestamp,
    );
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);
  });

  it("ignores a stale receipt handle, as SQS documents, and rejects a malformed one", async () => {
    const queueUrl = await createQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "handle me" }));
    const first = await receiveOne(queueUrl, 0);
    const second = await receiveOne(queueUrl, 30);

    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.ReceiptHandle }));
    expect(await attributes(queueUrl, ["ApproximateNumberOfMessagesNotVisible"])).toEqual({
      ApproximateNumberOfMessagesNotVisible: "1",
    });
    const stale = await errorOf(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: first.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      ),
    );
    expect(stale.name).toBe("InvalidParameterValue");
    expect(stale.message).toContain("Message does not exist or is not available for visibility timeout change");

    const malformed = await errorOf(
      sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: "not-a-handle" })),
    );
    expect(malformed.name).toBe("ReceiptHandleIsInvalid");
    expect(malformed.message).toBe('The input receipt handle "not-a-handle" is not a valid receipt handle.');

    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: second.ReceiptHandle }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: second.ReceiptHandle }));
    expect(await attributes(queueUrl, ["ApproximateNumberOfMessagesNotVisible"])).toEqual({
      ApproximateNumberOfMessagesNotVisible: "0",
    });
  });

  it("makes a message visible at once with ChangeMessageVisibility 0", async () => {
    const queueUrl = await createQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "again" }));
    const first = await receiveOne(queueUrl);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: first.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const second = await receiveOne(queueUrl);
    expect(second.MessageId).toBe(first.MessageId);
  });

  it("long-polls: returns as soon as a message arrives, or empty when the wait ends", async () => {
    const queueUrl = await createQueue();
    const started = Date.now();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 10 }));
    await sleep(200);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "arrived" }));
    const { Messages } = await polling;
    expect(Messages?.map((message) => message.Body)).toEqual(["arrived"]);
    expect(Date.now() - started).toBeLessThan(2000);

    const emptyStarted = Date.now();
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(empty.Messages).toBeUndefined();
    expect(Date.now() - emptyStarted).toBeGreaterThanOrEqual(950);
  });

  it("delays a message and counts it as delayed, then not visible, then gone", async () => {
    const queueUrl = await createQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "later", DelaySeconds: 1 }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "now" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "in flight" }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }));
    expect(Messages?.map((message) => message.Body)).toEqual(["now"]);
    expect(
      await attributes(queueUrl, [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ]),
    ).toEqual({
      ApproximateNumberOfMessages: "1",
      ApproximateNumberOfMessagesNotVisible: "1",
      ApproximateNumberOfMessagesDelayed: "1",
    });
    const waited = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 3 }),
    );
    expect(waited.Messages?.map((message) => message.Body)).toEqual(["in flight"]);
    const delayed = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 3 }));
    expect(delayed.Messages?.map((message) => message.Body)).toEqual(["later"]);

    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    expect(
      await attributes(queueUrl, [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ]),
    ).toEqual({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
      ApproximateNumberOfMessagesDelayed: "0",
    });
  });

  it("receives at most MaxNumberOfMessages, in the order they were sent", async () => {
    const queueUrl = await createQueue();
    for (let index = 0; index < 12; index++) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `m${index}` }));
    }
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect(Messages?.map((message) => message.Body)).toEqual(Array.from({ length: 10 }, (_, index) => `m${index}`));
    const tooMany = await errorOf(sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 11 })));
    expect(tooMany.name).toBe("InvalidParameterValue");
    expect(tooMany.message).toBe(
      "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
    );
  });
});

describe("batches", () => {
  it("sends, deletes and changes visibility in batches, failing only the bad entries", async () => {
    const queueUrl = await createQueue();
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: "a", MessageBody: "first", MessageAttributes: { kind: { DataType: "String", StringValue: "x" } } },
          { Id: "b", MessageBody: "second" },
          { Id: "c", MessageBody: "bad", MessageAttributes: { n: { DataType: "Number", StringValue: "abc" } } },
        ],
      }),
    );
    expect(sent.Successful?.map((entry) => entry.Id)).toEqual(["a", "b"]);
    expect(sent.Successful?.[0]?.MD5OfMessageAttributes).toBe(
      md5OfMessageAttributes({ kind: { DataType: "String", StringValue: "x" } }),
    );
    expect(sent.Failed).toEqual([
      {
        Id: "c",
        SenderFault: true,
        Code: "InvalidParameterValue",
        Message: "Can't cast the value of message (user) attribute 'n' to a number.",
      },
    ]);

    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages).toHaveLength(2);
    const [first, second] = Messages;
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: "one", ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: "bogus", ReceiptHandle: "bogus", VisibilityTimeout: 0 },
        ],
      }),
    );
    expect(changed.Successful).toEqual([{ Id: "one" }]);
    expect(changed.Failed?.map((entry) => [entry.Id, entry.Code])).toEqual([["bogus", "ReceiptHandleIsInvalid"]]);

    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: "two", ReceiptHandle: second?.ReceiptHandle },
          { Id: "bogus", ReceiptHandle: "bogus" },
        ],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: "two" }]);
    expect(deleted.Failed).toEqual([
      {
        Id: "bogus",
        SenderFault: true,
        Code: "ReceiptHandleIsInvalid",
        Message: 'The input receipt handle "bogus" is not a valid receipt handle.',
      },
    ]);
    expect(await attributes(queueUrl, ["ApproximateNumberOfMessages"])).toEqual({ ApproximateNumberOfMessages: "1" });
  });

  it("rejects malformed batches as a whole", async () => {
    const queueUrl = await createQueue();
    const entry = (id: string) => ({ Id: id, MessageBody: "x" });
    const cases: [Parameters<typeof entry>[0][], string][] = [
      [[], "EmptyBatchRequest"],
      [Array.from({ length: 11 }, (_, index) => `e${index}`), "TooManyEntriesInBatchRequest"],
      [["same", "same"], "BatchEntryIdsNotDistinct"],
      [["not valid!"], "InvalidBatchEntryId"],
    ];
    for (const [ids, name] of cases) {
      const error = await errorOf(
        sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: ids.map(entry) })),
      );
      expect(error.name).toBe(name);
    }
    const big = "x".repeat(600_000);
    const tooLong = await errorOf(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [
            { Id: "a", MessageBody: big },
            { Id: "b", MessageBody: big },
          ],
        }),
      ),
    );
    expect(tooLong.name).toBe("BatchRequestTooLong");
  });
});

describe("validation and errors", () => {
  it("reports an unknown queue as QueueDoesNotExist", async () => {
    const missing = `${server.url}/${ACCOUNT}/no-such-queue`;
    for (const call of [
      sqs.send(new GetQueueUrlCommand({ QueueName: "no-such-queue" })),
      sqs.send(new SendMessageCommand({ QueueUrl: missing, MessageBody: "x" })),
      sqs.send(new ReceiveMessageCommand({ QueueUrl: missing })),
      sqs.send(new PurgeQueueCommand({ QueueUrl: missing })),
      sqs.send(new SendMessageCommand({ QueueUrl: `${server.url}/111111111111/orders-dlq`, MessageBody: "x" })),
    ]) {
      const error = await errorOf(call);
      expect(error.name).toBe("QueueDoesNotExist");
      expect(error.message).toBe("The specified queue does not exist.");
    }
  });

  it("maps errors to the query codes SQS names in x-amzn-query-error", () => {
    expect(queryErrorHeader(new AwsError("QueueDoesNotExist", "gone"))).toBe(
      "AWS.SimpleQueueService.NonExistentQueue;Sender",
    );
    expect(queryErrorHeader(new AwsError("InvalidParameterValue", "bad"))).toBe("InvalidParameterValue;Sender");
  });

  it("refuses to change the visibility of a message no longer in flight", async () => {
    const queueUrl = await createQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" }));
    const message = await receiveOne(queueUrl, 0);
    const error = await errorOf(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      ),
    );
    expect(error.name).toBe("MessageNotInflight");
  });

  it("rejects what SQS rejects", async () => {
    const queueUrl = await createQueue({ MaximumMessageSize: "1024" });
    const cases: [Promise<unknown>, string, string?][] = [
      [
        sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x".repeat(1025) })),
        "InvalidParameterValue",
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
      ],
      [
        sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "bad \u0000 char" })),
        "InvalidMessageContents",
      ],
      [sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "" })), "MissingParameter"],
      [
        sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x", DelaySeconds: 901 })),
        "InvalidParameterValue",
      ],
      [
        sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: "x",
            MessageAttributes: { "AWS.reserved": { DataType: "String", StringValue: "x" } },
          }),
        ),
        "InvalidParameterValue",
      ],
      [sqs.send(new CreateQueueCommand({ QueueName: "bad name" })), "InvalidParameterValue"],
      [sqs.send(new CreateQueueCommand({ QueueName: "events.fifo" })), "UnsupportedOperation"],
      [
        sqs.send(new CreateQueueCommand({ QueueName: "any", Attributes: { VisibilityTimeout: "43201" } })),
        "InvalidAttributeValue",
      ],
      [
        sqs.send(
          new CreateQueueCommand({ QueueName: queueUrl.split("/").at(-1) ?? "", Attributes: { DelaySeconds: "3" } }),
        ),
        "QueueNameExists",
        `A queue already exists with the same name and a different value for attribute DelaySeconds`,
      ],
      [
        sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["Nope" as QueueAttributeName] })),
        "InvalidAttributeName",
        "Unknown Attribute Nope.",
      ],
      [
        sqs.send(
          new SetQueueAttributesCommand({
            QueueUrl: queueUrl,
            Attributes: {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:missing`,
                maxReceiveCount: 3,
              }),
            },
          }),
        ),
        "InvalidParameterValue",
      ],
      [sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 21 })), "InvalidParameterValue"],
    ];
    for (const [call, name, message] of cases) {
      const error = await errorOf(call);
      expect(error.name).toBe(name);
      if (message) expect(error.message).toBe(message);
    }
    expect(emulator.findQueue("any")).toBeUndefined();
  });
});

describe("dead-letter queues", () => {
  it("moves a message to the DLQ after maxReceiveCount receives, and redrives it back", async () => {
    const dlqUrl = await createQueue({}, "dlq");
    const dlqArn = (await attributes(dlqUrl, ["QueueArn"])).QueueArn;
    const sourceUrl = await createQueue({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: "2" }),
    });
    const sourceArn = (await attributes(sourceUrl, ["QueueArn"])).QueueArn;
    expect((await attributes(sourceUrl, ["RedrivePolicy"])).RedrivePolicy).toBe(
      JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    );
    expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls).toEqual([
      sourceUrl,
    ]);

    const { MessageId } = await sqs.send(
      new SendMessageCommand({
        QueueUrl: sourceUrl,
        MessageBody: "poison",
        MessageAttributes: { reason: { DataType: "String", StringValue: "bad" } },
      }),
    );
    await receiveOne(sourceUrl, 0);
    await receiveOne(sourceUrl, 0);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: sourceUrl }))).Messages).toBeUndefined();

    const dead = await receiveOne(dlqUrl, 0);
    expect(dead).toMatchObject({
      MessageId,
      Body: "poison",
      MessageAttributes: { reason: { DataType: "String", StringValue: "bad" } },
    });
    expect(dead.Attributes).toMatchObject({ ApproximateReceiveCount: "3", DeadLetterQueueSourceArn: sourceArn });

    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    expect(TaskHandle).toBeTruthy();
    const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    expect(Results).toEqual([
      expect.objectContaining({
        Status: "COMPLETED",
        SourceArn: dlqArn,
        ApproximateNumberOfMessagesMoved: 1,
        ApproximateNumberOfMessagesToMove: 1,
      }),
    ]);
    const redriven = await receiveOne(sourceUrl);
    expect(redriven.Body).toBe("poison");
    expect(redriven.Attributes?.ApproximateReceiveCount).toBe("1");
    expect(await attributes(dlqUrl, ["ApproximateNumberOfMessages"])).toEqual({ ApproximateNumberOfMessages: "0" });
  });

  it("refuses to redrive from a queue that is no dead-letter queue", async () => {
    const queueUrl = await createQueue();
    const arn = (await attributes(queueUrl, ["QueueArn"])).QueueArn;
    const error = await errorOf(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn })));
    expect(error.name).toBe("InvalidParameterValue");
  });
});

describe("the in-process model", () => {
  it("is usable without HTTP, naming queues by name, URL or ARN", async () => {
    const local = new SqsEmulator({ region: REGION, accountId: ACCOUNT });
    local.createQueue("direct");
    const id = local.sendMessage("direct", "hi", {
      messageAttributes: { kind: { DataType: "String", StringValue: "test" } },
    });
    expect(local.getQueue(local.queueArn("direct")).attributes.ApproximateNumberOfMessages).toBe("1");
    const [message] = await local.receiveMessages(`http://anywhere/${ACCOUNT}/direct`, { maxNumberOfMessages: 10 });
    expect(message).toMatchObject({ messageId: id, body: "hi", attributes: { ApproximateReceiveCount: "1" } });
    expect(local.list().map((queue) => queue.name)).toEqual(["direct"]);
    await local.close();
  });

  it("ends pending long polls on close", async () => {
    const local = new SqsEmulator({ region: REGION, accountId: ACCOUNT });
    local.createQueue("idle");
    const polling = local.receiveMessages("idle", { waitTimeSeconds: 20 });
    await local.close();
    await expect(polling).resolves.toEqual([]);
  });

  it("expires messages older than the retention period", async () => {
    const local = new SqsEmulator({ region: REGION, accountId: ACCOUNT });
    local.createQueue("short", { MessageRetentionPeriod: "60" });
    local.sendMessage("short", "old");
    const realNow = Date.now;
    const spy = jest.spyOn(Date, "now").mockImplementation(() => realNow() + 61_000);
    try {
      expect(local.getQueue("short").attributes.ApproximateNumberOfMessages).toBe("0");
    } finally {
      spy.mockRestore();
    }
    await local.close();
  });
});

describe("persistence", () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "keel-sqs-"));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("keeps queues and messages across restarts; in-flight messages become visible again", async () => {
    const persistPath = join(directory, "state", "sqs.json");
    const first = new SqsEmulator({ region: REGION, accountId: ACCOUNT, persistPath, persistDebounceMs: 10 });
    first.createQueue("keel-dlq", { MessageRetentionPeriod: "1209600" });
    first.createQueue("keel-source", {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: first.queueArn("keel-dlq"), maxReceiveCount: 5 }),
    });
    const kept = first.sendMessage("keel-dlq", "failed event", {
      messageAttributes: {
        ERROR_CODE: { DataType: "String", StringValue: "Timeout" },
        raw: { DataType: "Binary", BinaryValue: Uint8Array.from([1, 2, 3]) },
      },
    });
    first.sendMessage("keel-dlq", "in flight");
    const [inFlight] = await first.receiveMessages("keel-dlq", { maxNumberOfMessages: 1, visibilityTimeout: 600 });
    expect(inFlight?.messageId).toBe(kept);
    await sleep(50);
    expect(JSON.parse(await readFile(persistPath, "utf8")).queues).toHaveLength(2);
    await first.close();

    const second = new SqsEmulator({ region: REGION, accountId: ACCOUNT, persistPath });
    expect(second.list().map((queue) => queue.name)).toEqual(["keel-dlq", "keel-source"]);
    expect(second.getQueue("keel-source").attributes.RedrivePolicy).toContain("keel-dlq");
    expect(second.getQueue("keel-dlq").attributes).toMatchObject({
      MessageRetentionPeriod: "1209600",
      ApproximateNumberOfMessages: "2",
      ApproximateNumberOfMessagesNotVisible: "0",
    });
    const messages = await second.receiveMessages("keel-dlq", { maxNumberOfMessages: 10 });
    expect(messages.map((message) => message.body)).toEqual(["failed event", "in flight"]);
    expect(messages[0]).toMatchObject({
      messageId: kept,
      messageAttributes: {
        ERROR_CODE: { DataType: "String", StringValue: "Timeout" },
        raw: { DataType: "Binary", BinaryValue: Uint8Array.from([1, 2, 3]) },
      },
      attributes: { ApproximateReceiveCount: "2" },
    });
    await second.close();
  });

  it("writes the snapshot atomically and flushes it on close", async () => {
    const persistPath = join(directory, "sqs.json");
    const emulatorWithSlowWrites = new SqsEmulator({
      region: REGION,
      accountId: ACCOUNT,
      persistPath,
      persistDebounceMs: 60_000,
    });
    emulatorWithSlowWrites.createQueue("flushed");
    emulatorWithSlowWrites.sendMessage("flushed", "kept");
    await emulatorWithSlowWrites.close();
    const saved = JSON.parse(await readFile(persistPath, "utf8"));
    expect(saved.queues[0].messages[0].body).toBe("kept");
    const reopened = new SqsEmulator({ region: REGION, accountId: ACCOUNT, persistPath });
    expect(reopened.getQueue("flushed").attributes.ApproximateNumberOfMessages).toBe("1");
    await reopened.close();
  });
});
