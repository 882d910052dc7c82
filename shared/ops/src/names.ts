/** The platform's and the orders service's predictable per-stage names that the operations tools read. */
export interface KeelNames {
  stage: string;
  auditTable: string;
  messageArchiveTable: string;
  deadLetterQueue: string;
  createOrderStateMachine: string;
  commandBus: string;
  eventBus: string;
}

export function keelNames(stage: string): KeelNames {
  return {
    stage,
    auditTable: `keel-${stage}-audit`,
    messageArchiveTable: `keel-${stage}-message-archive`,
    deadLetterQueue: `keel-${stage}-dead-letters`,
    createOrderStateMachine: `keel-${stage}-create-order`,
    commandBus: `keel-${stage}-commands`,
    eventBus: `keel-${stage}-events`,
  };
}

/** `commands`, `events`, a bus name or a bus ARN → the bus name. */
export function busName(names: KeelNames, bus: string): string {
  if (bus === "commands" || bus === "command") return names.commandBus;
  if (bus === "events" || bus === "event") return names.eventBus;
  const marker = ":event-bus/";
  return bus.includes(marker) ? bus.slice(bus.indexOf(marker) + marker.length) : bus;
}
