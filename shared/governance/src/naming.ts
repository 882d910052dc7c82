import { domainNames, type MessageKind, ORG, registry } from "@keel/contracts";

/** What the naming rules read of a registry entry. */
export interface NamedMessage {
  name: string;
  kind: MessageKind;
  owner: string;
  source: string;
  /** Commands: `<domain>.<component>` of the handler. */
  handler?: string;
}

export const NAMING_RULES = [
  "NAME_NOT_PASCAL_CASE",
  "REGISTRY_KEY_MISMATCH",
  "COMMAND_NOT_IMPERATIVE",
  "COMMAND_IN_PAST_TENSE",
  "EVENT_NOT_PAST_TENSE",
  "SOURCE_MALFORMED",
  "SOURCE_UNKNOWN_DOMAIN",
  "EVENT_SOURCE_NOT_OWNER",
  "OWNER_UNKNOWN",
  "HANDLER_NOT_OWNER",
] as const;
export type NamingRule = (typeof NAMING_RULES)[number];

export interface NamingViolation {
  message: string;
  kind: MessageKind;
  /** The registry field at fault: `name`, `source`, `owner` or `handler`. */
  field: "name" | "source" | "owner" | "handler";
  rule: NamingRule;
  detail: string;
}

/**
 * The verbs a command may start with. Short and explicit on purpose: a new command with a new
 * verb adds it here, in review, rather than slipping through a heuristic.
 */
export const IMPERATIVE_VERBS = [
  "Add",
  "Allocate",
  "Approve",
  "Archive",
  "Assign",
  "Authorize",
  "Cancel",
  "Capture",
  "Charge",
  "Close",
  "Commit",
  "Complete",
  "Confirm",
  "Create",
  "Delete",
  "Dispatch",
  "Notify",
  "Open",
  "Place",
  "Record",
  "Refund",
  "Register",
  "Reject",
  "Release",
  "Remove",
  "Replay",
  "Request",
  "Reserve",
  "Schedule",
  "Send",
  "Ship",
  "Start",
  "Stop",
  "Submit",
  "Update",
  "Verify",
  "Void",
] as const;

/** Past participles that do not end in -ed. */
export const IRREGULAR_PAST_PARTICIPLES = [
  "Begun",
  "Bought",
  "Built",
  "Chosen",
  "Done",
  "Drawn",
  "Found",
  "Frozen",
  "Given",
  "Held",
  "Kept",
  "Left",
  "Lost",
  "Made",
  "Paid",
  "Prepaid",
  "Sent",
  "Shown",
  "Sold",
  "Spent",
  "Split",
  "Taken",
  "Undone",
  "Withdrawn",
  "Withheld",
  "Won",
  "Written",
] as const;

/** Words that end in -ed without being past tense. */
const NOT_PAST = ["Bed", "Breed", "Deed", "Embed", "Feed", "Need", "Red", "Seed", "Speed", "Weed"];

/** `OrderCreated` → Order, Created; `SMSSent` → SMS, Sent. */
export function wordsOf(name: string): string[] {
  return name.match(/[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z0-9]+|[A-Z]+/g) ?? [];
}

export function isPastTense(word: string): boolean {
  if ((IRREGULAR_PAST_PARTICIPLES as readonly string[]).includes(word)) return true;
  return /[a-z]ed$/.test(word) && !NOT_PAST.includes(word);
}

export const isImperativeVerb = (word: string) => (IMPERATIVE_VERBS as readonly string[]).includes(word);

const SOURCE = /^([a-z][a-z0-9-]*\.[a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)$/;

/** `<org>.<domain>.<component>` → its parts, or undefined when it is not of that shape. */
export function parseSource(source: string): { org: string; domain: string; component: string } | undefined {
  const match = SOURCE.exec(source);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { org: match[1], domain: match[2], component: match[3] };
}

/**
 * The naming rules over registry entries:
 * - names are PascalCase; commands start with an imperative verb (`IMPERATIVE_VERBS`) and do not
 *   end in a past participle; events end in one (`-ed`, or `IRREGULAR_PAST_PARTICIPLES`);
 * - `source` is `com.example.<domain>.<component>` with a domain of `domains.json`; an event's
 *   source domain is its owner (a command's is its sender's); a command's handler is its owner's;
 * - the registry key is the message name (the `detail-type` is the name: `toEventBridgeEntry`).
 */
export function checkNaming(
  messages: Readonly<Record<string, NamedMessage>> = registry,
  domains: readonly string[] = domainNames,
): NamingViolation[] {
  const violations: NamingViolation[] = [];
  for (const [key, message] of Object.entries(messages)) {
    const add = (field: NamingViolation["field"], rule: NamingRule, detail: string) =>
      violations.push({ message: message.name, kind: message.kind, field, rule, detail });
    if (key !== message.name) {
      add("name", "REGISTRY_KEY_MISMATCH", `registered as ${key}: the key is the name, which is the detail-type`);
    }
    checkName(message, add);
    checkSource(message, domains, add);
    if (!domains.includes(message.owner)) {
      add("owner", "OWNER_UNKNOWN", `${message.owner} is not a domain of shared/contracts/domains.json`);
    }
    if (message.kind === "command" && message.handler && !message.handler.startsWith(`${message.owner}.`)) {
      add(
        "handler",
        "HANDLER_NOT_OWNER",
        `${message.handler} is not in ${message.owner}: a command is handled by the domain that owns it`,
      );
    }
  }
  return violations;
}

type Add = (field: NamingViolation["field"], rule: NamingRule, detail: string) => void;

function checkName(message: NamedMessage, add: Add) {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(message.name)) {
    add("name", "NAME_NOT_PASCAL_CASE", `${JSON.stringify(message.name)}: message names are PascalCase`);
    return;
  }
  const words = wordsOf(message.name);
  const first = words[0] ?? "";
  const last = words.at(-1) ?? "";
  if (message.kind === "command") {
    if (!isImperativeVerb(first)) {
      add(
        "name",
        "COMMAND_NOT_IMPERATIVE",
        `commands are imperative: "${message.name}" starts with ${first}, not a verb of the list (${IMPERATIVE_VERBS.join(", ")}); if it is one, add it to IMPERATIVE_VERBS`,
      );
    }
    if (words.length > 1 && isPastTense(last)) {
      add(
        "name",
        "COMMAND_IN_PAST_TENSE",
        `"${message.name}" ends in the past participle ${last}: it reads as a fact (an event), a command asks for something to be done`,
      );
    }
  } else if (!isPastTense(last)) {
    const looksLikeCommand = isImperativeVerb(first) ? ` — it reads as a command (starts with ${first})` : "";
    add(
      "name",
      "EVENT_NOT_PAST_TENSE",
      `events are past tense: "${message.name}" should end in a past participle (-ed, or one of ${IRREGULAR_PAST_PARTICIPLES.slice(0, 6).join(", ")}…)${looksLikeCommand}`,
    );
  }
}

function checkSource(message: NamedMessage, domains: readonly string[], add: Add) {
  const parts = parseSource(message.source);
  if (!parts || parts.org !== ORG) {
    add("source", "SOURCE_MALFORMED", `${JSON.stringify(message.source)} is not ${ORG}.<domain>.<component>`);
    return;
  }
  if (!domains.includes(parts.domain)) {
    add(
      "source",
      "SOURCE_UNKNOWN_DOMAIN",
      `${message.source}: ${parts.domain} is not a domain of shared/contracts/domains.json (${domains.join(", ")})`,
    );
    return;
  }
  if (message.kind === "event" && parts.domain !== message.owner) {
    add(
      "source",
      "EVENT_SOURCE_NOT_OWNER",
      `${message.source} is ${parts.domain}'s, but ${message.owner} owns ${message.name}: an event is published by its owner, with its owner's source`,
    );
  }
}

/** `naming: CreateShipment (event) name: EVENT_NOT_PAST_TENSE (…)`. */
export function formatNamingViolation(violation: NamingViolation): string {
  return `${violation.message} (${violation.kind}) ${violation.field}: ${violation.rule} (${violation.detail})`;
}
