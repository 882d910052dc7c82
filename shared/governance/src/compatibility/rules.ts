import type { MessageKind } from "@keel/contracts";

/**
 * The compatibility rules, named as buf names its breaking-change rules. Each schema change the
 * diff finds is one of the `ChangeRule`s, with the direction in which it breaks (see `Breaks`);
 * the message kind's mode decides whether that direction matters.
 */
export const CHANGE_RULES = [
  "FIELD_REMOVED",
  "FIELD_ADDED",
  "REQUIRED_FIELD_ADDED",
  "FIELD_BECAME_REQUIRED",
  "FIELD_BECAME_OPTIONAL",
  "TYPE_CHANGED",
  "ENUM_VALUE_REMOVED",
  "ENUM_VALUE_ADDED",
  "CONSTRAINT_NARROWED",
  "CONSTRAINT_WIDENED",
  "CONSTRAINT_CHANGED",
  "SCHEMA_CHANGED",
] as const;
export type ChangeRule = (typeof CHANGE_RULES)[number];

/** Rules about versions and the registry entry rather than one field. */
export const VERSION_RULES = [
  "RELEASED_VERSION_CHANGED",
  "VERSION_REMOVED",
  "VERSION_ORDER",
  "MAJOR_WITHOUT_UPCASTER",
  "UPCASTER_FAILED",
  "PREVIOUS_MAJOR_NOT_DEPRECATED",
  "DEPRECATION_INVALID",
  "KIND_CHANGED",
  "SOURCE_CHANGED",
  "OWNER_CHANGED",
] as const;
export type VersionRule = (typeof VERSION_RULES)[number];
export type CompatibilityRule = ChangeRule | VersionRule;

/**
 * Who a change breaks:
 * - `backward`: a reader on the new schema refuses data written on the old one (old clients'
 *   commands, events from producers not yet upgraded, archived messages replayed);
 * - `forward`: a reader on the old schema refuses data written on the new one (consumers not yet
 *   upgraded reading the new producer's events);
 * - `both`; `none` (compatible both ways: an optional addition).
 */
export type Breaks = "backward" | "forward" | "both" | "none";

/**
 * The compatibility mode of a kind of message, within one major version.
 * - Events are FULL: old consumers read new events and new consumers read old ones (and archived
 *   ones), so only optional additions are allowed.
 * - Commands are BACKWARD: the one owning handler is upgraded before (or with) the contract, and
 *   must accept what existing clients send.
 */
export type Mode = "FULL" | "BACKWARD";
export const modeOf = (kind: MessageKind): Mode => (kind === "event" ? "FULL" : "BACKWARD");

export function isBreaking(breaks: Breaks, mode: Mode): boolean {
  if (breaks === "none") return false;
  if (mode === "FULL") return true;
  return breaks === "backward" || breaks === "both";
}

export function modeText(kind: MessageKind, major: number): string {
  return kind === "event"
    ? `events are FULL-compatible within major ${major}`
    : `commands are BACKWARD-compatible within major ${major}: the owning handler must accept what existing clients send`;
}

/** Why a change of this rule breaks a message of this kind (the second half of a report line). */
export function reasonOf(rule: ChangeRule, kind: MessageKind, breaks: Breaks): string {
  const event = kind === "event";
  switch (rule) {
    case "FIELD_REMOVED":
      return event
        ? "removing a field breaks consumers that read it"
        : "clients that still send it would be refused (ingress rejects unknown fields) or silently ignored";
    case "REQUIRED_FIELD_ADDED":
      return event
        ? "events written without it (by producers not yet upgraded, or archived and replayed) no longer validate"
        : "existing clients do not send it, so their commands would be refused";
    case "FIELD_BECAME_REQUIRED":
      return event
        ? "events written without it no longer validate"
        : "existing clients may leave it out, so their commands would be refused";
    case "FIELD_BECAME_OPTIONAL":
      return "old consumers require it and would refuse events without it";
    case "ENUM_VALUE_REMOVED":
      return event
        ? "events already written (and archived) with that value no longer validate"
        : "existing clients may send that value";
    case "ENUM_VALUE_ADDED":
      return "old consumers validate the enum and would refuse the new value (a new value needs a new major)";
    case "CONSTRAINT_NARROWED":
      return event ? "values valid before are refused now" : "values existing clients send may be refused now";
    case "CONSTRAINT_WIDENED":
      return "old consumers validate the old constraint and would refuse values beyond it";
    case "CONSTRAINT_CHANGED":
      return "neither constraint provably contains the other, so both old and new readers may refuse";
    case "TYPE_CHANGED":
      if (breaks === "forward") return "old consumers would refuse values of the added type";
      if (breaks === "backward")
        return event ? "values written before are refused now" : "values existing clients send are refused now";
      return "readers of either schema refuse values of the other";
    case "SCHEMA_CHANGED":
      return "a change the checker cannot classify is treated as breaking";
    case "FIELD_ADDED":
      return "an optional addition is compatible";
  }
}
