import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";

/** An execution's history, oldest first; undefined when there is no such execution. */
export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[] | undefined> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if ((error as Error).name === "ExecutionDoesNotExist") return undefined;
    throw error;
  }
  return events;
}

/** The ARN of the state machine with that name, or undefined. */
export async function stateMachineArn(sfn: SFNClient, name: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ maxResults: 1000, nextToken }));
    const found = page.stateMachines?.find((machine) => machine.name === name);
    if (found?.stateMachineArn) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/** The execution of a state machine named after a command: `…:execution:<machine>:<commandId>`. */
export const executionArnOf = (machineArn: string, name: string) =>
  `${machineArn.replace(":stateMachine:", ":execution:")}:${name}`;
