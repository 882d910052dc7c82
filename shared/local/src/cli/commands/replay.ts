import { parseArgs } from "node:util";
import {
  archiveTableReader,
  busName,
  checkMessageTypes,
  connect,
  parseTime,
  progressBar,
  type ReplayItem,
  replay,
  TARGET_HELP,
  TARGET_OPTIONS,
} from "@keel/ops";
import { localCredentials } from "../../dynamodb";
import type { Command } from "../command";
import { runningEndpoints } from "../endpoints";

const HELP = `keel replay --bus <bus> --from <time> [--to <time>] [filters] [--dry-run] — publish archived messages again

Reads Keel's message archive (every command and event, kept whole by the platform's audit writer),
checks each message against the current registry (older versions upcast where the registry says
how), and publishes it again on its bus with its original ids and meta.replayOf set: consumers
are idempotent on the message id, so a replay causes no second side effect. Messages that are
replays themselves are skipped; invalid ones are never published.

  --bus <bus>          commands, events, or a bus name
  --from <time>        ISO 8601, or a time ago: 15m, 2h, 7d
  --to <time>          (default now)
  --type <Message>     only this message (repeatable)
  --correlation <id>   only this conversation (corr_…)
  --tenant <id>        only this tenant's messages
  --dry-run            publish nothing: validate each message and show the rules and targets it would reach
  --format text|json
${TARGET_HELP}`;

function itemLine(item: ReplayItem): string[] {
  const { message } = item;
  const name = item.validation?.name ?? message.detailType;
  const head = `${message.receivedAt}  ${name.padEnd(26)} ${(message.messageId ?? message.eventId).padEnd(30)}`;
  const validation = item.validation;
  const version =
    validation?.valid === true
      ? validation.version === validation.currentVersion
        ? `v${validation.version}`
        : `v${validation.version} → v${validation.currentVersion}${validation.upcast ? " (upcast)" : " (compatible)"}`
      : "";
  switch (item.status) {
    case "invalid":
      return [`${head} INVALID ${item.reason ?? ""}`];
    case "skipped":
      return [`${head} skipped: ${item.reason ?? ""}`];
    case "failed":
      return [`${head} FAILED: ${item.reason ?? ""}`];
    case "sent":
      return [`${head} sent ${version}`];
    case "would-send": {
      const routes = item.routes ?? [];
      return [
        `${head} valid ${version} → ${routes.length === 0 ? "no rule matches" : `${routes.length} rule(s)`}`,
        ...routes.flatMap((route) =>
          route.targets.map((target) => `      rule ${route.rule} → ${target.kind} ${target.name}`),
        ),
      ];
    }
  }
}

async function run(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TARGET_OPTIONS,
      bus: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      type: { type: "string", multiple: true },
      correlation: { type: "string" },
      tenant: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      format: { type: "string", default: "text" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  if (!values.bus || !values.from) throw new Error("usage: keel replay --bus <bus> --from <time> [--to <time>] …");
  const types = values.type?.flatMap((type) => type.split(",")).filter(Boolean);
  checkMessageTypes(types ?? []);
  const from = parseTime(values.from);
  const to = values.to ? parseTime(values.to) : new Date();
  if (from > to) throw new Error("--from is after --to");
  const json = values.format === "json";
  const dryRun = values["dry-run"];
  const connection = connect({
    aws: values.aws,
    ...(values.stage ? { stage: values.stage } : {}),
    ...(values.region ? { region: values.region } : {}),
    local: runningEndpoints,
    localCredentials,
  });
  const bus = busName(connection.names, values.bus);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const items: ReplayItem[] = [];
  const bar = !json && !dryRun ? progressBar(process.stderr) : undefined;
  try {
    if (!json)
      out(
        `${dryRun ? "Dry run: nothing is published. " : ""}Replaying ${bus} from ${from.toISOString()} to ${to.toISOString()} in ${connection.where}`,
      );
    const summary = await replay(
      connection.clients,
      archiveTableReader(connection.clients.dynamodb, connection.names.messageArchiveTable),
      {
        bus,
        from,
        to,
        ...(types?.length ? { types } : {}),
        ...(values.correlation ? { correlationId: values.correlation } : {}),
        ...(values.tenant ? { tenantId: values.tenant } : {}),
      },
      {
        dryRun,
        onItem: (item) => {
          items.push(item);
          if (!json && dryRun) for (const line of itemLine(item)) out(line);
        },
        onProgress: (progress) =>
          bar?.update({
            done: progress.done,
            total: progress.total,
            sent: progress.sent,
            skipped: progress.skipped,
            invalid: progress.invalid,
            ...(progress.failed > 0 ? { failed: progress.failed } : {}),
          }),
      },
    );
    const counts = {
      done: summary.total,
      total: summary.total,
      sent: summary.sent,
      skipped: summary.skipped,
      invalid: summary.invalid,
      ...(summary.failed > 0 ? { failed: summary.failed } : {}),
    };
    if (summary.total > 0) bar?.finish(counts);
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ summary, items: items.map(({ message: { event: _event, ...message }, ...item }) => ({ ...item, message })) }, null, 2)}\n`,
      );
    } else {
      if (!dryRun)
        for (const item of items.filter((candidate) => ["invalid", "failed"].includes(candidate.status)))
          for (const line of itemLine(item)) out(line);
      if (summary.total === 0) out("No archived message matches: nothing to replay.");
      out(
        `${dryRun ? "Would send" : "Sent"} ${summary.sent}, skipped ${summary.skipped}, invalid ${summary.invalid}` +
          `${summary.failed > 0 ? `, failed ${summary.failed}` : ""} (of ${summary.total} archived message(s)).`,
      );
    }
    if (summary.failed > 0) process.exitCode = 1;
  } finally {
    connection.clients.destroy();
  }
}

export const command: Command = {
  name: "replay",
  summary: "publish archived messages again (filtered by time, type, conversation, tenant), or --dry-run",
  help: HELP,
  run,
};
