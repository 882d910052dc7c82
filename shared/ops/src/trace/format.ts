import { getMessage } from "@keel/contracts";
import { busOfId, COMMAND_BUS, EVENT_BUS, OPERATOR, participantOf, type TraceEntry } from "./timeline";
import type { Trace } from "./trace";

/** `+12 ms`, `+1.250 s`, `+2 min 5 s`. */
export function formatSince(ms: number): string {
  if (ms < 1000) return `+${ms} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(3)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `+${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

function outcomeText(entry: TraceEntry): string {
  const parts = [entry.outcome];
  if (entry.durationMs !== undefined && entry.kind !== "command" && entry.kind !== "event")
    parts.push(`in ${entry.durationMs} ms`);
  if (entry.error) parts.push(`— ${entry.error.type}${entry.error.message ? `: ${entry.error.message}` : ""}`);
  if (entry.deadLetterId) parts.push(`(dead letter ${entry.deadLetterId})`);
  else if (entry.messageId && (entry.kind === "command" || entry.kind === "event" || entry.kind === "replay"))
    parts.push(`(${entry.messageId})`);
  return parts.join(" ");
}

export const NOTHING_FOUND = (query: string) =>
  `nothing found for ${query}: no audit record, workflow execution or dead letter mentions it ` +
  "(a correlation id corr_…, a command or event id cmd_…/evt_…, or an order id)";

/** The timeline as text: time, time since the previous line, service, message or step, outcome. */
export function formatText(result: Trace, pageUrl?: string): string {
  if (!result.found) return `${NOTHING_FOUND(result.query)}\n`;
  const header = [
    `Trace of ${result.query}`,
    result.correlationIds.length > 0 ? ` — conversation ${result.correlationIds.join(", ")}` : "",
    result.subjects.length > 0 ? ` — order ${result.subjects.join(", ")}` : "",
    result.tenants.length > 0 ? ` — tenant ${result.tenants.join(", ")}` : "",
  ].join("");
  const rows = result.entries.map((entry) => [
    entry.at,
    formatSince(entry.sinceMs),
    entry.service,
    entry.what,
    outcomeText(entry),
  ]);
  const titles = ["time", "since", "service", "message or step", "outcome"];
  const widths = titles.map((title, column) =>
    Math.min(48, Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  const failures = result.entries.filter((entry) => entry.error && entry.kind !== "consumer").length;
  const footer = [
    `${result.entries.length} lines: ${result.sources.audit} from the audit trail, ${result.sources.history} from ` +
      `${result.executions.length} workflow execution(s)${result.executions.length > 0 ? ` (${result.executions.map((execution) => `${execution.executionArn.split(":").at(-1)} ${execution.status}`).join(", ")})` : ""}, ` +
      `${result.sources.deadLetters} from the dead-letter queue${failures > 0 ? `; ${failures} failure(s)` : ""}.`,
    ...(pageUrl ? [`In a browser: ${pageUrl}`] : []),
  ];
  return `${[header, "", line(titles), ...rows.map(line), "", ...footer].join("\n")}\n`;
}

export function formatJson(result: Trace, pageUrl?: string): string {
  return `${JSON.stringify({ ...result, ...(pageUrl ? { pageUrl } : {}) }, null, 2)}\n`;
}

/** The order participants are drawn in, when they take part. */
const PREFERRED = [
  "client",
  OPERATOR,
  "orders api",
  COMMAND_BUS,
  "orders workflow",
  "payments",
  "inventory",
  "inventory fulfilment",
  EVENT_BUS,
  "orders",
  "notifications",
  "platform",
];

const idOf = (participant: string) => `p_${participant.replace(/[^A-Za-z0-9]/g, "_")}`;
/** Mermaid's message text: no characters that end or break a statement. */
const label = (text: string) =>
  text
    .replace(/[;#:<>{}]/g, " ")
    .replace(/\s+/g, " ")
    .trim();

/** A Mermaid sequence diagram of the conversation across services: commands, events, steps, failures. */
export function formatMermaid(result: Trace): string {
  const statements: string[] = [];
  const participants = new Set<string>();
  const arrow = (from: string, to: string, text: string, style = "->>") => {
    participants.add(from);
    participants.add(to);
    statements.push(`    ${idOf(from)}${style}${idOf(to)}: ${label(text)}`);
  };
  const note = (over: string, text: string) => {
    participants.add(over);
    statements.push(`    Note over ${idOf(over)}: ${label(text)}`);
  };
  const failure = (entry: TraceEntry) =>
    entry.error ? `${entry.error.type}${entry.error.message ? ` ${entry.error.message.slice(0, 80)}` : ""}` : "";

  // A command is drawn to the component the registry routes it to, as soon as it is sent.
  const delivered = new Set<string>();
  for (const entry of result.entries) {
    switch (entry.kind) {
      case "command": {
        arrow(entry.service, COMMAND_BUS, entry.what);
        const handler = getMessage(entry.what)?.handler;
        if (handler) {
          arrow(COMMAND_BUS, participantOf(handler), entry.what);
          if (entry.messageId) delivered.add(entry.messageId);
        }
        break;
      }
      case "event":
        arrow(entry.service, EVENT_BUS, entry.what);
        break;
      case "replay":
        arrow(OPERATOR, busOfId(entry.messageId), `${entry.what} (replay)`, "-->>");
        break;
      case "invalid":
        note(entry.what.startsWith("cmd") ? COMMAND_BUS : EVENT_BUS, `invalid ${entry.what} ${failure(entry)}`);
        break;
      case "consumer": {
        const bus = busOfId(entry.messageId);
        const function_ = entry.what.split(" ← ")[0] ?? entry.what;
        const text = `${entry.messageName ?? "message"} to ${function_}`;
        if (entry.outcome === "failed") {
          arrow(bus, entry.service, text, "-x");
          note(entry.service, `${function_} failed ${failure(entry)}`);
        } else if (!entry.messageId || !delivered.has(entry.messageId)) arrow(bus, entry.service, text);
        break;
      }
      case "workflow":
        note(entry.service, `workflow ${entry.outcome}${entry.error ? ` ${failure(entry)}` : ""}`);
        break;
      case "step":
        if (getMessage(entry.what)?.kind === "command") {
          // A step that sends a command waits for the outcome event, relayed by the reply router.
          if (!entry.error) arrow(EVENT_BUS, entry.service, `${entry.what} answered`, "-->>");
          else if (/Timeout$/.test(entry.error.type))
            note(entry.service, `${entry.what} ${entry.outcome} ${failure(entry)}`);
          else {
            arrow(EVENT_BUS, entry.service, `${entry.what} answered ${entry.error.type}`, "--x");
            note(entry.service, `${entry.what} ${entry.outcome} ${failure(entry)}`);
          }
        } else if (entry.error) {
          arrow(entry.service, entry.service, entry.what, "-x");
          note(entry.service, `${entry.what} ${entry.outcome} ${failure(entry)}`);
        } else arrow(entry.service, entry.service, entry.what);
        break;
      case "dead-letter":
        note(entry.service, `dead-lettered ${entry.what} ${failure(entry)}`);
        break;
    }
  }
  const ordered = [
    ...PREFERRED.filter((participant) => participants.has(participant)),
    ...[...participants].filter((participant) => !PREFERRED.includes(participant)),
  ];
  return [
    "sequenceDiagram",
    ...ordered.map((participant) => `    participant ${idOf(participant)} as ${participant}`),
    ...statements,
  ].join("\n");
}
