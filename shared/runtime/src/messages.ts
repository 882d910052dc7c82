import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import {
  type CommandEnvelope,
  type CommandName,
  ContractError,
  createEvent,
  type DataOf,
  type EventEnvelope,
  type EventName,
  parseCommand,
  parseEvent,
} from "@keel/contracts";
import middy from "@middy/core";
import type { Context, EventBridgeEvent } from "aws-lambda";
import { env } from "./env";
import { MalformedMessageError } from "./errors";
import { IdempotencyConfig, idempotencyStore, makeIdempotent } from "./idempotency";
import { logger, tracer } from "./powertools";
import { BusPublisher, eventBridgeClient } from "./publisher";

export type BusEvent = EventBridgeEvent<string, unknown>;

/** What a command handler decided: the event that reports the outcome. */
export type Outcome = { [E in EventName]: { event: E; data: DataOf<E> } }[EventName];

type Command<N extends CommandName> = CommandEnvelope<DataOf<N>> & { meta: { commandName: N } };
type Event<N extends EventName> = EventEnvelope<DataOf<N>> & { meta: { eventName: N } };

interface IdempotencyOptions {
  persistenceStore?: () => BasePersistenceLayer;
  expiresAfterSeconds?: number;
}

function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ContractError) throw new MalformedMessageError(error.message, error.issues);
    throw error;
  }
}

/** The event's envelope, parsed (a malformed one is refused); its ids go on every log line. */
function receivedEvent<N extends EventName>(names: readonly N[], event: BusEvent): Event<N> {
  const envelope = parsed(() => parseEvent<N>(names, event.detail)) as Event<N>;
  logger.appendKeys({
    correlationId: envelope.meta.correlationId,
    eventId: envelope.meta.eventId,
    eventName: envelope.meta.eventName,
    ...(envelope.meta.tenantId ? { tenantId: envelope.meta.tenantId } : {}),
  });
  return envelope;
}

/** The command's envelope, parsed (a malformed one is refused); its ids go on every log line. */
function receivedCommand<N extends CommandName>(names: readonly N[], event: BusEvent): Command<N> {
  const command = parsed(() => parseCommand<N>(names, event.detail)) as Command<N>;
  logger.appendKeys({
    correlationId: command.meta.correlationId,
    commandId: command.meta.commandId,
    commandName: command.meta.commandName,
    tenantId: command.meta.tenantId,
  });
  return command;
}

const stack = <E, R>(core: (event: E, context: Context) => Promise<R>) =>
  middy(core)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer));

export interface CommandHandlerOptions<N extends CommandName> extends IdempotencyOptions {
  commands: readonly N[];
  handle: (command: Command<N>, context: Context) => Promise<Outcome>;
  /** Where outcomes are published (default: EVENT_BUS_NAME). */
  publisher?: () => Pick<BusPublisher, "publish">;
}

/**
 * The command handler stack: parses the command envelope from the EventBridge event (a malformed
 * one is refused, and ends in the DLQ), runs the handler once per `commandId` (Powertools
 * idempotency, keyed on the command id, validated on its data), and publishes the outcome event
 * with causation and correlation set and the command's `replyTo` echoed. A redelivered command
 * publishes its stored outcome again — the same event id — echoing the redelivery's `replyTo`.
 */
export function commandHandler<N extends CommandName>(options: CommandHandlerOptions<N>) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "meta.commandId",
    payloadValidationJmesPath: "data",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds ?? 7 * 24 * 3600,
  });
  let decide: ((command: Command<N>, context: Context) => Promise<EventEnvelope>) | undefined;
  let publisher: Pick<BusPublisher, "publish"> | undefined;

  const core = async (event: BusEvent, context: Context) => {
    const command = receivedCommand(options.commands, event);
    decide ??= makeIdempotent(
      async (incoming: Command<N>, lambdaContext: Context) => {
        const outcome = await options.handle(incoming, lambdaContext);
        return createEvent(outcome.event, outcome.data as never, { cause: incoming }) as EventEnvelope;
      },
      { persistenceStore: options.persistenceStore?.() ?? idempotencyStore(), config },
    );
    config.registerLambdaContext(context);
    const stored = await decide(command, context);
    const { replyTo: _previous, ...meta } = stored.meta;
    const outcome: EventEnvelope = {
      ...stored,
      meta: { ...meta, ...(command.meta.replyTo ? { replyTo: command.meta.replyTo } : {}) },
    };
    publisher ??= options.publisher?.() ?? new BusPublisher(eventBridgeClient(), env("EVENT_BUS_NAME"));
    await publisher.publish([outcome]);
    logger.info("command handled", { outcome: outcome.meta.eventName, eventId: outcome.meta.eventId });
    return { eventId: outcome.meta.eventId, eventName: outcome.meta.eventName };
  };
  return stack(core);
}

export interface EventConsumerOptions<N extends EventName> extends IdempotencyOptions {
  events: readonly N[];
  handle: (event: Event<N>, context: Context) => Promise<void>;
}

/**
 * The event consumer stack: parses the event envelope (unknown fields are tolerated, a malformed
 * envelope is refused and ends in the DLQ) and runs the handler once per `eventId` — so duplicate
 * deliveries and replays (which keep the event id) cause no second side effect.
 */
export function eventConsumer<N extends EventName>(options: EventConsumerOptions<N>) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "meta.eventId",
    payloadValidationJmesPath: "data",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds ?? 7 * 24 * 3600,
  });
  let consume: ((event: Event<N>, context: Context) => Promise<{ handled: string }>) | undefined;

  const core = async (event: BusEvent, context: Context) => {
    const envelope = receivedEvent(options.events, event);
    const run = async (incoming: Event<N>, lambdaContext: Context) => {
      await options.handle(incoming, lambdaContext);
      return { handled: incoming.meta.eventId };
    };
    consume ??= makeIdempotent(run, { persistenceStore: options.persistenceStore?.() ?? idempotencyStore(), config });
    config.registerLambdaContext(context);
    const result = await consume(envelope, context);
    logger.info("event handled", { replayOf: envelope.meta.replayOf });
    return result;
  };
  return stack(core);
}

export interface EventListenerOptions<N extends EventName> {
  events: readonly N[];
  handle: (event: Event<N>, context: Context) => Promise<void>;
}

/**
 * An event consumer that runs its handler for every delivery: only for a handler whose effect is
 * naturally idempotent and must run again for a redelivery (the workflow reply router). It leaves
 * Powertools idempotency out of the function's bundle.
 */
export function eventListener<N extends EventName>(options: EventListenerOptions<N>) {
  const core = async (event: BusEvent, context: Context) => {
    const envelope = receivedEvent(options.events, event);
    await options.handle(envelope, context);
    return { handled: envelope.meta.eventId };
  };
  return stack(core);
}

export interface EventReactionOptions<N extends EventName> extends IdempotencyOptions {
  events: readonly N[];
  /**
   * The fact this reaction establishes, or undefined when there is nothing to report (yet). An
   * envelope is published as it is (a reaction that keeps its outcome to re-publish it unchanged).
   */
  handle: (event: Event<N>, context: Context) => Promise<Outcome | EventEnvelope | undefined>;
  publisher?: () => Pick<BusPublisher, "publish">;
}

/**
 * A reaction of a choreography: consumes an event once per event id (duplicates and replays
 * cause no second effect) and publishes the event it leads to, caused by the one it consumed. A
 * retry after a failed publish publishes the stored outcome again, under the same event id.
 */
export function eventReaction<N extends EventName>(options: EventReactionOptions<N>) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "meta.eventId",
    payloadValidationJmesPath: "data",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds ?? 7 * 24 * 3600,
  });
  let react: ((event: Event<N>, context: Context) => Promise<{ outcome: EventEnvelope | null }>) | undefined;
  let publisher: Pick<BusPublisher, "publish"> | undefined;

  const core = async (event: BusEvent, context: Context) => {
    const envelope = receivedEvent(options.events, event);
    react ??= makeIdempotent(
      async (incoming: Event<N>, lambdaContext: Context) => {
        const outcome = await options.handle(incoming, lambdaContext);
        if (!outcome) return { outcome: null };
        if ("meta" in outcome) return { outcome };
        return { outcome: createEvent(outcome.event, outcome.data as never, { cause: incoming }) as EventEnvelope };
      },
      { persistenceStore: options.persistenceStore?.() ?? idempotencyStore(), config },
    );
    config.registerLambdaContext(context);
    const { outcome } = await react(envelope, context);
    if (outcome) {
      publisher ??= options.publisher?.() ?? new BusPublisher(eventBridgeClient(), env("EVENT_BUS_NAME"));
      await publisher.publish([outcome]);
    }
    logger.info("reacted", { outcome: outcome?.meta.eventName ?? null });
    return { eventId: outcome?.meta.eventId ?? null };
  };
  return stack(core);
}

export interface CommandConsumerOptions<N extends CommandName> {
  commands: readonly N[];
  handle: (command: Command<N>, context: Context) => Promise<unknown>;
}

/**
 * A consumer of commands that answers no outcome event itself — the workflow starter, whose
 * effect (a conditional write and a named execution) is idempotent by construction.
 */
export function commandConsumer<N extends CommandName>(options: CommandConsumerOptions<N>) {
  const core = async (event: BusEvent, context: Context) => {
    const command = receivedCommand(options.commands, event);
    return options.handle(command, context);
  };
  return stack(core);
}

/** A Step Functions task or any other direct invocation: logger and tracer around a plain function. */
export function taskHandler<I, O>(task: (input: I, context: Context) => Promise<O>) {
  return stack(task);
}
