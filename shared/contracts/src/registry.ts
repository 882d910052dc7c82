import type * as z from "zod/mini";
import type { MessageDefinition, MessageKind } from "./define";
import * as inventory from "./messages/inventory";
import * as notifications from "./messages/notifications";
import * as orders from "./messages/orders";
import * as payments from "./messages/payments";

/**
 * Every message of Keel, by name. The single source of truth for routing (`source`,
 * `detail-type`), validation (a zod schema per version), ownership and data classification.
 */
export const registry = { ...orders, ...payments, ...inventory, ...notifications } as const;

export type Registry = typeof registry;
export type MessageName = keyof Registry;
export type CommandName = { [N in MessageName]: Registry[N]["kind"] extends "command" ? N : never }[MessageName];
export type EventName = { [N in MessageName]: Registry[N]["kind"] extends "event" ? N : never }[MessageName];
/** The data of a message in its current version. */
export type DataOf<N extends MessageName> = z.infer<Registry[N]["schema"]>;

export const messageNames = Object.keys(registry) as MessageName[];

export function isMessageName(name: unknown): name is MessageName {
  return typeof name === "string" && Object.hasOwn(registry, name);
}

export function getMessage(name: string): MessageDefinition | undefined {
  return isMessageName(name) ? registry[name] : undefined;
}

export function messagesOfKind(kind: MessageKind): MessageDefinition[] {
  return Object.values(registry).filter((message) => message.kind === kind);
}

/** The registry entry for an EventBridge `source` + `detail-type`, as a rule or a consumer sees it. */
export function messageForRoute(source: string, detailType: string): MessageDefinition | undefined {
  const message = getMessage(detailType);
  return message && message.source === source ? message : undefined;
}
