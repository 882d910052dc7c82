import type { SFNClient } from "@aws-sdk/client-sfn";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DeadLetter } from "../dlq/dead-letter";
import { DeadLetterQueue } from "../dlq/queue";
import type { KeelNames } from "../names";
import { type AuditRecord, conversation, conversationsOf, type QueryKind, queryKindOf } from "./audit";
import { executionArnOf, executionHistory, stateMachineArn } from "./history";
import { auditEntries, deadLetterEntry, historyEntries, type TraceEntry, timeline } from "./timeline";

export interface Trace {
  /** What was asked for. */
  query: string;
  queryKind: QueryKind;
  found: boolean;
  correlationIds: string[];
  /** The orders (subjects) the conversations are about. */
  subjects: string[];
  tenants: string[];
  entries: TraceEntry[];
  executions: Array<{ executionArn: string; status: string }>;
  /** The dead letters of the conversation, without their payloads (which hold personal data). */
  deadLetters: TracedDeadLetter[];
  /** How many lines each source gave. */
  sources: { audit: number; history: number; deadLetters: number };
}

export type TracedDeadLetter = Omit<DeadLetter, "body" | "payload" | "event" | "receiptHandle">;

export interface TraceClients {
  dynamodb: DynamoDBDocumentClient;
  sfn: SFNClient;
  sqs: SQSClient;
}

export interface TraceOptions {
  /** Look in the dead-letter queue as well (default true). */
  deadLetters?: boolean;
  /** Long polling of the dead-letter queue's receives (default 1 s). */
  queueWaitSeconds?: number;
}

const STATUS: Record<string, string> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "ABORTED",
};

/**
 * "What happened to this request?": the audit trail of its conversations, the history of the
 * CreateOrder workflow execution(s) it started, and whatever of it waits in the dead-letter queue,
 * merged into one timeline.
 */
export async function trace(
  clients: TraceClients,
  names: KeelNames,
  query: string,
  options: TraceOptions = {},
): Promise<Trace> {
  const queryKind = queryKindOf(query);
  const correlationIds = await conversationsOf(clients.dynamodb, names.auditTable, query);
  const records: AuditRecord[] = (
    await Promise.all(correlationIds.map((id) => conversation(clients.dynamodb, names.auditTable, id)))
  ).flat();

  // The workflow executions: those the audit trail names, and the CreateOrder execution named
  // after each CreateOrder command (found even when its status changes were never audited).
  const executionArns = new Set(records.flatMap((record) => (record.executionArn ? [record.executionArn] : [])));
  const createOrders = records.filter((record) => record.kind === "command" && record.name === "CreateOrder");
  const commandIds = new Set(createOrders.flatMap((record) => (record.messageId ? [record.messageId] : [])));
  if (query.startsWith("cmd_")) commandIds.add(query);
  if (commandIds.size > 0) {
    const machine = await stateMachineArn(clients.sfn, names.createOrderStateMachine);
    if (machine) for (const id of commandIds) executionArns.add(executionArnOf(machine, id));
  }
  const histories = new Map<string, Awaited<ReturnType<typeof executionHistory>>>();
  for (const arn of executionArns) {
    const history = await executionHistory(clients.sfn, arn);
    if (history) histories.set(arn, history);
  }
  const correlationOfExecution = (arn: string) =>
    records.find((record) => record.executionArn === arn)?.correlationId ??
    createOrders.find((record) => arn.endsWith(`:${record.messageId}`))?.correlationId;

  let deadLetters: DeadLetter[] = [];
  if (options.deadLetters ?? true) {
    const queue = new DeadLetterQueue(clients.sqs, names.deadLetterQueue, {
      waitSeconds: options.queueWaitSeconds ?? 1,
    });
    try {
      deadLetters = (await queue.peek()).filter(
        (letter) =>
          (letter.message.correlationId !== undefined && correlationIds.includes(letter.message.correlationId)) ||
          letter.message.id === query ||
          letter.message.orderId === query ||
          letter.message.correlationId === query,
      );
    } catch (error) {
      if (
        (error as Error).name !== "QueueDoesNotExist" &&
        (error as Error).name !== "AWS.SimpleQueueService.NonExistentQueue"
      )
        throw error;
    }
  }

  const fromAudit = auditEntries(records, new Set(histories.keys()));
  const fromHistory = [...histories].flatMap(([arn, events]) => {
    const correlationId = correlationOfExecution(arn);
    return historyEntries(arn, events ?? [], {
      service: "orders workflow",
      ...(correlationId ? { correlationId } : {}),
    });
  });
  const fromQueue = deadLetters.map(deadLetterEntry);
  const entries = timeline(fromAudit, fromHistory, fromQueue);
  const allCorrelations = new Set([
    ...correlationIds,
    ...deadLetters.flatMap((letter) => (letter.message.correlationId ? [letter.message.correlationId] : [])),
  ]);
  return {
    query,
    queryKind,
    found: entries.length > 0,
    correlationIds: [...allCorrelations],
    subjects: [
      ...new Set([
        ...records.flatMap((record) => (record.subjectId ? [record.subjectId] : [])),
        ...deadLetters.flatMap((letter) => (letter.message.orderId ? [letter.message.orderId] : [])),
      ]),
    ],
    tenants: [...new Set(records.flatMap((record) => (record.tenantId ? [record.tenantId] : [])))],
    entries,
    executions: [...histories].map(([executionArn, events]) => ({
      executionArn,
      status: STATUS[[...(events ?? [])].reverse().find((event) => STATUS[event.type ?? ""])?.type ?? ""] ?? "RUNNING",
    })),
    deadLetters: deadLetters.map(
      ({ body: _body, payload: _payload, event: _event, receiptHandle: _handle, ...letter }) => letter,
    ),
    sources: { audit: fromAudit.length, history: fromHistory.length, deadLetters: fromQueue.length },
  };
}
