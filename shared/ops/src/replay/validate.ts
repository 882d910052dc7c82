import { majorOf, messageForRoute, safeParseEnvelope } from "@keel/contracts";
import type { BusEvent } from "../dlq/dead-letter";

export type Validation =
  | {
      valid: true;
      name: string;
      /** The version the message was published in. */
      version: string;
      /** The registry's current version of the message. */
      currentVersion: string;
      /** Read through the registry's upcasters (an older major version). */
      upcast: boolean;
    }
  | { valid: false; name?: string; version?: string; issues: string[] };

/**
 * An archived message checked against the current registry: its route (`source` + `detail-type`),
 * its envelope and its data for the version it declares — older major versions upcast where the
 * registry says how, as every consumer reads them.
 */
export function validateArchived(event: BusEvent): Validation {
  const meta = (event.detail as { meta?: { schemaVersion?: unknown } } | null)?.meta;
  const version = typeof meta?.schemaVersion === "string" ? meta.schemaVersion : undefined;
  const parsed = safeParseEnvelope(event.detail);
  if (!parsed.success) {
    return {
      valid: false,
      name: event["detail-type"],
      ...(version ? { version } : {}),
      issues: parsed.error.issues.map((issue) => (issue.path ? `${issue.path} ${issue.message}` : issue.message)),
    };
  }
  const { message, receivedVersion } = parsed;
  if (!messageForRoute(event.source, event["detail-type"])) {
    return {
      valid: false,
      name: message.name,
      version: receivedVersion,
      issues: [
        `source "${event.source}" with detail-type "${event["detail-type"]}" is not how the registry publishes ${message.name} (${message.source})`,
      ],
    };
  }
  return {
    valid: true,
    name: message.name,
    version: receivedVersion,
    currentVersion: message.version,
    upcast: majorOf(receivedVersion) < majorOf(message.version),
  };
}
