import { parseArgs } from "node:util";
import {
  connect,
  type DeadLetter,
  DeadLetterQueue,
  deliveryOf,
  errorGroupOf,
  type RedriveOutcome,
  redrive,
  TARGET_HELP,
  TARGET_OPTIONS,
} from "@keel/ops";
import { localCredentials } from "../../dynamodb";
import type { Command } from "../command";
import { runningEndpoints } from "../endpoints";

const HELP = `keel dlq list|show|redrive — the dead-letter queue (keel-<stage>-dead-letters)

  keel dlq list [--group-by error]        every failed delivery, or grouped by error type
  keel dlq show <id>                      one dead letter: error, original target, the message
  keel dlq redrive <id>…                  redeliver these to their original targets
  keel dlq redrive --error <type>         … every dead letter of this error type
  keel dlq redrive --all                  … every dead letter
      --dry-run                           show what would be redelivered where, change nothing

Two kinds of failures land there: what EventBridge could not deliver to a rule's target (body: the
event; attributes RULE_ARN, TARGET_ARN, ERROR_CODE…), and functions that failed after Lambda's
retries (Lambda's invocation record, through the failed-invocations rule or the function's own
on-failure destination). A redrive delivers to the original target: a function is invoked
synchronously (RequestResponse) so its success is known, a state machine gets StartExecution, a
queue SendMessage, a bus PutEvents. A dead letter is deleted only after its redelivery succeeded;
one that fails again stays in the queue, unchanged.

  --format text|json
${TARGET_HELP}`;

const short = (text: string, length = 90) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

function letterLine(letter: DeadLetter): string {
  const message = letter.message.name
    ? `${letter.message.name} ${letter.message.id ?? ""}${letter.message.orderId ? ` (order ${letter.message.orderId})` : ""}`
    : "";
  return [
    letter.sentAt,
    letter.messageId,
    errorGroupOf(letter).padEnd(22),
    `→ ${letter.target.kind} ${letter.target.name}`,
    message,
    letter.attempts !== undefined ? `after ${letter.attempts} attempt(s)` : "",
  ]
    .filter(Boolean)
    .join("  ");
}

function outcomeLine(outcome: RedriveOutcome): string {
  const label = {
    redelivered: "redelivered",
    failed: "FAILED",
    "would-redeliver": "would redeliver",
    "cannot-redeliver": "CANNOT redeliver",
  }[outcome.status];
  return `${outcome.letter.messageId}  ${label}  ${outcome.letter.target.name}${outcome.letter.message.name ? ` ← ${outcome.letter.message.name}` : ""}: ${outcome.detail}`;
}

async function run(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      "group-by": { type: "string" },
      error: { type: "string" },
      all: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      format: { type: "string", default: "text" },
      help: { type: "boolean", default: false },
    },
  });
  const [action, ...ids] = positionals;
  if (values.help || !action) return void process.stdout.write(`${HELP}\n`);
  if (values["group-by"] && values["group-by"] !== "error") throw new Error("--group-by takes only error");
  const json = values.format === "json";
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const connection = connect({
    aws: values.aws,
    ...(values.stage ? { stage: values.stage } : {}),
    ...(values.region ? { region: values.region } : {}),
    local: runningEndpoints,
    localCredentials,
  });
  const queue = new DeadLetterQueue(connection.clients.sqs, connection.names.deadLetterQueue);
  try {
    if (action === "list") {
      const letters = await queue.peek();
      if (json) return void out(JSON.stringify(letters, null, 2));
      if (letters.length === 0) return void out(`The dead-letter queue ${queue.queueName} is empty.`);
      if (values["group-by"] === "error") {
        const groups = new Map<string, DeadLetter[]>();
        for (const letter of letters)
          groups.set(errorGroupOf(letter), [...(groups.get(errorGroupOf(letter)) ?? []), letter]);
        for (const [error, group] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
          const targets = [...new Set(group.map((letter) => letter.target.name))].join(", ");
          out(
            `${error}: ${group.length} dead letter(s), to ${targets} — e.g. "${short(group[0]?.error.message ?? "")}"`,
          );
          for (const letter of group) out(`  ${letterLine(letter)}`);
          out(`  redrive them: keel dlq redrive --error ${error}`);
        }
      } else for (const letter of letters) out(letterLine(letter));
      out(`${letters.length} dead letter(s) in ${queue.queueName}.`);
      return;
    }
    if (action === "show") {
      if (ids.length !== 1) throw new Error("usage: keel dlq show <id>");
      const letter = (await queue.peek()).find((candidate) => candidate.messageId === ids[0]);
      if (!letter) throw new Error(`no dead letter ${ids[0]} in ${queue.queueName}`);
      if (json) return void out(JSON.stringify(letter, null, 2));
      let redelivery: string;
      try {
        const delivery = await deliveryOf(connection.clients, letter);
        redelivery = `${delivery.how} ${delivery.arn}`;
      } catch (error) {
        redelivery = `not possible: ${(error as Error).message}`;
      }
      out(`dead letter   ${letter.messageId} (sent ${letter.sentAt}, received ${letter.receiveCount} time(s))`);
      out(`how           ${letter.shape}`);
      out(`error         ${letter.error.type}: ${letter.error.message}`);
      out(`target        ${letter.target.kind} ${letter.target.arn}`);
      if (letter.rule) out(`rule          ${letter.rule.name} on ${letter.rule.bus}`);
      if (letter.attempts !== undefined)
        out(`attempts      ${letter.attempts}${letter.condition ? ` (${letter.condition})` : ""}`);
      out(
        `message       ${letter.message.name ?? "?"} ${letter.message.id ?? ""}${letter.message.correlationId ? ` in ${letter.message.correlationId}` : ""}${letter.message.orderId ? `, order ${letter.message.orderId}` : ""}`,
      );
      out(`redrive       ${redelivery}`);
      out("payload");
      out(JSON.stringify(letter.payload ?? letter.body, null, 2));
      return;
    }
    if (action === "redrive") {
      if (ids.length === 0 && !values.error && !values.all)
        throw new Error("say which: keel dlq redrive <id>… | --error <type> | --all");
      const report = await redrive(
        connection.clients,
        queue,
        { ids, ...(values.error ? { errorType: values.error } : {}), all: values.all },
        { dryRun: values["dry-run"], ...(json ? {} : { onOutcome: (outcome) => out(outcomeLine(outcome)) }) },
      );
      if (json) {
        out(
          JSON.stringify(
            {
              ...report,
              outcomes: report.outcomes.map(({ letter, ...outcome }) => ({ ...outcome, messageId: letter.messageId })),
            },
            null,
            2,
          ),
        );
      } else {
        for (const id of report.missing) out(`${id}  not in ${queue.queueName}`);
        out(
          values["dry-run"]
            ? `Dry run: ${report.selected} dead letter(s) would be redelivered; nothing was changed.`
            : `Redelivered ${report.redelivered} of ${report.selected} dead letter(s)${report.failed > 0 ? `; ${report.failed} failed and stay in the queue` : ""}.`,
        );
      }
      if (report.failed > 0 || report.missing.length > 0) process.exitCode = 1;
      return;
    }
    throw new Error(`unknown action "${action}": list, show or redrive`);
  } finally {
    connection.clients.destroy();
  }
}

export const command: Command = {
  name: "dlq",
  summary: "list, show and redrive failed deliveries (grouped by error) to their original targets",
  help: HELP,
  run,
};
