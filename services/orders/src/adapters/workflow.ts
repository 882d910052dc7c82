import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { TaskCallbacks, WorkflowStarter } from "../domain/ports";

export function createOrderWorkflow(client: SFNClient, stateMachineArn: string): WorkflowStarter {
  return {
    async start(name, input) {
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        return "started";
      } catch (error) {
        // Standard workflows keep execution names for 90 days: a redelivered command finds its execution.
        if (error instanceof ExecutionAlreadyExists || (error as Error).name === "ExecutionAlreadyExists")
          return "duplicate";
        throw error;
      }
    },
  };
}

/** The workflow stopped waiting (timed out, answered, or finished): nothing to resume. */
const GONE = new Set(["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"]);

async function deliver(send: () => Promise<unknown>): Promise<"delivered" | "gone"> {
  try {
    await send();
    return "delivered";
  } catch (error) {
    if (GONE.has((error as Error).name)) return "gone";
    throw error;
  }
}

export function taskCallbacks(client: SFNClient): TaskCallbacks {
  return {
    succeed: (taskToken, output) =>
      deliver(() => client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }))),
    fail: (taskToken, error, cause) =>
      deliver(() => client.send(new SendTaskFailureCommand({ taskToken, error, cause }))),
  };
}
