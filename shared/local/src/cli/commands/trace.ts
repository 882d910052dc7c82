import { parseArgs } from "node:util";
import {
  connect,
  formatJson,
  formatMermaid,
  formatText,
  NOTHING_FOUND,
  TARGET_HELP,
  TARGET_OPTIONS,
  trace,
} from "@keel/ops";
import { localCredentials } from "../../dynamodb";
import type { Command } from "../command";
import { runningEndpoints } from "../endpoints";

const HELP = `keel trace <correlationId|orderId|commandId> — what happened to this request?

One timeline merging the audit trail (every command, event, workflow step and consumer result of
the conversation), the CreateOrder workflow's execution history and the dead-letter queue: each
line gives the time, the time since the previous line, the service, the message or step, and how
it went.

  --format text      the timeline (default)
  --format mermaid   a sequence diagram of the conversation across services
  --format json      everything, for scripts
${TARGET_HELP}

corr_… is a conversation, cmd_…/evt_… a message (found through the audit table's byMessage index),
anything else an order id (bySubject). With the local runtime running, the trace page is at
http://127.0.0.1:3000/_keel/trace/<id>.`;

async function run(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      format: { type: "string", default: "text" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new Error("usage: keel trace <correlationId|orderId|commandId> (one id)");
  if (!["text", "mermaid", "json"].includes(values.format))
    throw new Error(`unknown --format ${values.format}: text, mermaid or json`);
  const connection = connect({
    aws: values.aws,
    ...(values.stage ? { stage: values.stage } : {}),
    ...(values.region ? { region: values.region } : {}),
    local: runningEndpoints,
    localCredentials,
  });
  try {
    const result = await trace(connection.clients, connection.names, id);
    const pageUrl = connection.http ? `${connection.http}/_keel/trace/${encodeURIComponent(id)}` : undefined;
    if (values.format === "json") process.stdout.write(formatJson(result, pageUrl));
    else if (!result.found) {
      process.stderr.write(`keel trace: ${NOTHING_FOUND(id)} in ${connection.where}\n`);
      process.exitCode = 1;
    } else if (values.format === "mermaid") process.stdout.write(`${formatMermaid(result)}\n`);
    else process.stdout.write(formatText(result, pageUrl));
    if (!result.found && values.format === "json") process.exitCode = 1;
  } finally {
    connection.clients.destroy();
  }
}

export const command: Command = {
  name: "trace",
  summary: "what happened to a request: audit trail, workflow history and dead letters on one timeline",
  help: HELP,
  run,
};
