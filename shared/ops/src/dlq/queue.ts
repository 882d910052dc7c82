import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type DeadLetter, parseDeadLetter } from "./dead-letter";

export interface DeadLetterQueueOptions {
  /**
   * Long polling for each receive (seconds). SQS answers short polls from a sample of its servers,
   * so an empty short poll does not mean an empty queue; a long poll asks them all.
   */
  waitSeconds?: number;
  /** A safety limit on how many messages one listing reads. */
  maxMessages?: number;
}

/**
 * The dead-letter queue, read without losing anything: messages are received (hidden for a
 * while), and each one is either deleted — only after its redelivery succeeded — or made visible
 * again at once.
 */
export class DeadLetterQueue {
  private url: string | undefined;

  constructor(
    private readonly sqs: SQSClient,
    readonly queueName: string,
    private readonly options: DeadLetterQueueOptions = {},
  ) {}

  async queueUrl(): Promise<string> {
    this.url ??= (await this.sqs.send(new GetQueueUrlCommand({ QueueName: this.queueName }))).QueueUrl;
    if (!this.url) throw new Error(`no queue ${this.queueName}`);
    return this.url;
  }

  /** Receives every message (up to the limit), each hidden for `visibilitySeconds`. */
  async receiveAll(visibilitySeconds: number): Promise<DeadLetter[]> {
    const url = await this.queueUrl();
    const max = this.options.maxMessages ?? 10_000;
    const letters = new Map<string, DeadLetter>();
    while (letters.size < max) {
      const page = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: this.options.waitSeconds ?? 1,
          MessageAttributeNames: ["All"],
          MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount"],
        }),
      );
      const messages = page.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        const letter = parseDeadLetter(message);
        letters.set(letter.messageId, letter);
      }
    }
    return [...letters.values()].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  }

  /** Makes the messages visible again at once. */
  async release(letters: readonly DeadLetter[]): Promise<void> {
    const url = await this.queueUrl();
    const handles = letters.filter((letter) => letter.receiptHandle);
    for (let start = 0; start < handles.length; start += 10) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: handles.slice(start, start + 10).map((letter, index) => ({
            Id: String(index),
            ReceiptHandle: letter.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  /** Every message, left in the queue and visible again. */
  async peek(): Promise<DeadLetter[]> {
    const letters = await this.receiveAll(30);
    await this.release(letters);
    return letters.map(({ receiptHandle: _handle, ...letter }) => letter);
  }

  async hide(letter: DeadLetter, seconds: number): Promise<void> {
    if (!letter.receiptHandle) return;
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: await this.queueUrl(),
        ReceiptHandle: letter.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  async delete(letter: DeadLetter): Promise<void> {
    if (!letter.receiptHandle) throw new Error(`dead letter ${letter.messageId} was not received: cannot delete it`);
    await this.sqs.send(
      new DeleteMessageCommand({ QueueUrl: await this.queueUrl(), ReceiptHandle: letter.receiptHandle }),
    );
  }
}
