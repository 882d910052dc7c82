import type { LocalRuntime } from "@keel/local";
import { DeadLetterQueue, keelNames, opsClients, redrive } from "@keel/ops";
import type { DeadLetterFigures } from "./model";

export interface RedriveFigures extends Omit<DeadLetterFigures, "dropped"> {
  rounds: number;
  /** Redeliveries that failed (left in the queue for the next round). */
  failedAttempts: number;
}

/**
 * Redrives the dead-letter queue with `keel dlq redrive`'s code, against the runtime's endpoints,
 * until it is empty (or `maxRounds` rounds left something in it), waiting for the system to settle
 * after each round.
 */
export async function redriveUntilEmpty(
  runtime: LocalRuntime,
  options: { maxRounds?: number; idleTimeoutMs?: number; onRound?: (line: string) => void } = {},
): Promise<RedriveFigures> {
  const clients = opsClients({
    region: runtime.model.region,
    endpoints: { dynamodb: runtime.endpoints.dynamodb, aws: runtime.endpoints.eventbridge },
    credentials: { accessKeyId: "chaos", secretAccessKey: "chaos" },
  });
  const queue = new DeadLetterQueue(clients.sqs, keelNames(runtime.model.stage).deadLetterQueue, { waitSeconds: 0 });
  const seen = new Set<string>();
  const redriven = new Set<string>();
  const failures: Record<string, string> = {};
  let failedAttempts = 0;
  let rounds = 0;
  let stalled = 0;
  try {
    for (; rounds < (options.maxRounds ?? 10); ) {
      const report = await redrive(clients, queue, { all: true });
      if (report.selected === 0) break;
      rounds += 1;
      for (const outcome of report.outcomes) {
        seen.add(outcome.letter.messageId);
        const { letter } = outcome;
        if (outcome.status === "redelivered") redriven.add(letter.messageId);
        else failures[letter.messageId] = `${letter.message.name ?? "?"} to ${letter.target.name}: ${outcome.detail}`;
      }
      failedAttempts += report.failed;
      options.onRound?.(
        `redrive round ${rounds}: ${report.selected} dead letter(s), ${report.redelivered} redelivered, ${report.failed} failed`,
      );
      await runtime.idle(options.idleTimeoutMs ?? 600_000);
      // Nothing went through: try once more a little later (an idempotency record in progress expires), then stop.
      stalled = report.redelivered === 0 ? stalled + 1 : 0;
      if (stalled >= 2) break;
      if (stalled > 0) await new Promise((resolve) => setTimeout(resolve, 10_000));
    }
    const remaining = (await queue.peek()).length;
    return { seen: [...seen], redriven: [...redriven], failures, remaining, rounds, failedAttempts };
  } finally {
    clients.destroy();
  }
}
