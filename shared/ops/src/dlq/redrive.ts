import { type EventBridgeClient, ListTargetsByRuleCommand, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type BusEvent, type DeadLetter, errorGroupOf, type TargetKind } from "./dead-letter";
import type { DeadLetterQueue } from "./queue";
import { type TargetInputSettings, targetInput } from "./target-input";

/** What a redrive hands to which target. */
export interface Delivery {
  kind: Exclude<TargetKind, "unknown">;
  arn: string;
  input: string;
  /** How it is delivered, for the operator: `Invoke (RequestResponse)`, `StartExecution`… */
  how: string;
}

export type RedriveStatus = "redelivered" | "failed" | "would-redeliver" | "cannot-redeliver";

export interface RedriveOutcome {
  letter: DeadLetter;
  status: RedriveStatus;
  delivery?: Omit<Delivery, "input">;
  detail: string;
}

export interface RedriveSelection {
  /** SQS message ids of the dead letters to redrive. */
  ids?: readonly string[];
  /** Every dead letter of this error type (ERROR_CODE or the function's errorType). */
  errorType?: string;
  /** Every dead letter. */
  all?: boolean;
}

export interface RedriveReport {
  selected: number;
  redelivered: number;
  failed: number;
  outcomes: RedriveOutcome[];
  /** Ids asked for that are not in the queue (anymore). */
  missing: string[];
}

export interface RedriveClients {
  lambda: LambdaClient;
  sfn: SFNClient;
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
}

/** How long a message stays hidden while it is being redelivered. */
const IN_FLIGHT_SECONDS = 300;

class RedeliveryFailed extends Error {}

async function ruleTargetSettings(
  eventBridge: EventBridgeClient,
  rule: NonNullable<DeadLetter["rule"]>,
  targetArn: string,
): Promise<TargetInputSettings | undefined> {
  let next: string | undefined;
  do {
    const page = await eventBridge.send(
      new ListTargetsByRuleCommand({ Rule: rule.name, EventBusName: rule.bus, NextToken: next }),
    );
    const target = page.Targets?.find((candidate) => candidate.Arn === targetArn);
    if (target) return target as TargetInputSettings;
    next = page.NextToken;
  } while (next);
  return undefined;
}

/** What redriving this dead letter would deliver, and to where; throws when it cannot be known. */
export async function deliveryOf(clients: Pick<RedriveClients, "eventBridge">, letter: DeadLetter): Promise<Delivery> {
  const { kind, arn } = letter.target;
  if (kind === "unknown") throw new RedeliveryFailed(`no target Keel can deliver to (${arn || "none recorded"})`);
  if (letter.shape === "failed-invocation" || letter.shape === "invocation-record") {
    return { kind, arn, input: JSON.stringify(letter.payload ?? null), how: "Invoke (RequestResponse)" };
  }
  if (letter.shape !== "rule-target" || !letter.rule)
    throw new RedeliveryFailed("the rule that failed is not recorded");
  const how = {
    lambda: "Invoke (RequestResponse)",
    "state-machine": "StartExecution",
    queue: "SendMessage",
    "event-bus": "PutEvents",
  }[kind];
  if (kind === "event-bus") return { kind, arn, input: letter.body, how };
  let settings: TargetInputSettings | undefined;
  try {
    settings = await ruleTargetSettings(clients.eventBridge, letter.rule, arn);
  } catch (error) {
    throw new RedeliveryFailed(`cannot read rule ${letter.rule.name}: ${(error as Error).message}`);
  }
  if (!settings) {
    throw new RedeliveryFailed(
      `rule ${letter.rule.name} on ${letter.rule.bus} no longer targets ${arn}: what it would hand the target is unknown`,
    );
  }
  const event = (letter.event ?? letter.payload ?? {}) as BusEvent;
  return { kind, arn, input: targetInput(settings, letter.rule, event), how };
}

/** Delivers once; resolves when the target accepted it — and, for a function, when the function succeeded. */
export async function deliver(clients: RedriveClients, delivery: Delivery): Promise<string> {
  switch (delivery.kind) {
    case "lambda": {
      const result = await clients.lambda.send(
        new InvokeCommand({
          FunctionName: delivery.arn,
          InvocationType: "RequestResponse",
          Payload: Buffer.from(delivery.input),
        }),
      );
      const payload = result.Payload ? Buffer.from(result.Payload).toString("utf8") : "";
      if (result.FunctionError) {
        let reason = payload;
        try {
          const error = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
          reason = `${error.errorType ?? result.FunctionError}: ${error.errorMessage ?? ""}`;
        } catch {}
        throw new RedeliveryFailed(`the function failed again — ${reason}`);
      }
      return `the function succeeded (${result.StatusCode})`;
    }
    case "state-machine": {
      const result = await clients.sfn.send(
        new StartExecutionCommand({ stateMachineArn: delivery.arn, input: delivery.input }),
      );
      return `execution ${result.executionArn} started`;
    }
    case "queue": {
      const [, , , , account, name] = delivery.arn.split(":");
      const { QueueUrl } = await clients.sqs.send(
        new GetQueueUrlCommand({ QueueName: name, ...(account ? { QueueOwnerAWSAccountId: account } : {}) }),
      );
      const result = await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: delivery.input }));
      return `sent as ${result.MessageId}`;
    }
    case "event-bus": {
      const event = JSON.parse(delivery.input) as BusEvent;
      const result = await clients.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: delivery.arn,
              Source: event.source,
              DetailType: event["detail-type"],
              Detail: JSON.stringify(event.detail),
              Resources: event.resources ?? [],
            },
          ],
        }),
      );
      const entry = result.Entries?.[0];
      if ((result.FailedEntryCount ?? 0) > 0 || !entry?.EventId)
        throw new RedeliveryFailed(`the bus refused it: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
      return `published as ${entry.EventId}`;
    }
  }
}

export function selects(selection: RedriveSelection, letter: DeadLetter): boolean {
  if (selection.all) return true;
  if (selection.ids?.includes(letter.messageId)) return true;
  return selection.errorType !== undefined && errorGroupOf(letter) === selection.errorType;
}

/**
 * Redelivers the selected dead letters to their original targets, oldest first. A dead letter is
 * deleted only once its redelivery succeeded; one whose redelivery failed is made visible again,
 * unchanged. With `dryRun`, nothing is delivered and every message is left where it was.
 */
export async function redrive(
  clients: RedriveClients,
  queue: DeadLetterQueue,
  selection: RedriveSelection,
  options: { dryRun?: boolean; onOutcome?: (outcome: RedriveOutcome) => void } = {},
): Promise<RedriveReport> {
  const letters = await queue.receiveAll(IN_FLIGHT_SECONDS);
  const chosen = letters.filter((letter) => selects(selection, letter));
  await queue.release(letters.filter((letter) => !selects(selection, letter)));
  const report: RedriveReport = {
    selected: chosen.length,
    redelivered: 0,
    failed: 0,
    outcomes: [],
    missing: (selection.ids ?? []).filter((id) => !letters.some((letter) => letter.messageId === id)),
  };
  const record = (outcome: RedriveOutcome) => {
    report.outcomes.push(outcome);
    options.onOutcome?.(outcome);
  };
  try {
    for (const letter of chosen) {
      let delivery: Delivery;
      try {
        delivery = await deliveryOf(clients, letter);
      } catch (error) {
        await queue.release([letter]);
        report.failed += 1;
        record({ letter, status: "cannot-redeliver", detail: (error as Error).message });
        continue;
      }
      const { input: _input, ...where } = delivery;
      if (options.dryRun) {
        record({ letter, status: "would-redeliver", delivery: where, detail: `${delivery.how} ${delivery.arn}` });
        continue;
      }
      let detail: string;
      try {
        await queue.hide(letter, IN_FLIGHT_SECONDS);
        detail = await deliver(clients, delivery);
      } catch (error) {
        await queue.release([letter]);
        report.failed += 1;
        const reason =
          error instanceof RedeliveryFailed ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
        record({ letter, status: "failed", delivery: where, detail: `${reason}; left in the queue` });
        continue;
      }
      report.redelivered += 1;
      try {
        await queue.delete(letter);
      } catch (error) {
        // Delivered, but still in the queue: a later redrive delivers it again, which the
        // consumers' idempotency (keyed on the message id) makes harmless.
        detail += `; NOT deleted from the queue (${(error as Error).message})`;
      }
      record({ letter, status: "redelivered", delivery: where, detail });
    }
  } finally {
    if (options.dryRun) await queue.release(chosen);
  }
  return report;
}
