import { AwsError, type JsonProtocolService } from "../aws/protocol";
import type { ExecutionRecord, StepFunctions } from "./engine";

function summary(record: ExecutionRecord) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: record.startDate,
    ...(record.stopDate ? { stopDate: record.stopDate } : {}),
  };
}

function page<T>(items: T[], input: Record<string, unknown>) {
  const start = Number(input.nextToken ?? 0);
  const limit = Math.min(Number(input.maxResults || 100), 1000);
  const slice = items.slice(start, start + limit);
  return { slice, next: start + limit < items.length ? String(start + limit) : undefined };
}

/** Step Functions' JSON 1.0 API (`AWSStepFunctions.*`) over the local executions. */
export function stepFunctionsService(engine: StepFunctions): JsonProtocolService {
  const required = (input: Record<string, unknown>, field: string) => {
    const value = input[field];
    if (typeof value !== "string" || value.length === 0) {
      throw new AwsError(
        "ValidationException",
        `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  };
  return {
    targetPrefix: "AWSStepFunctions",
    jsonVersion: "1.0",
    operations: {
      StartExecution: (input) => {
        const record = engine.startExecution(
          required(input, "stateMachineArn"),
          typeof input.name === "string" ? input.name : undefined,
          typeof input.input === "string" ? input.input : undefined,
        );
        return { executionArn: record.executionArn, startDate: record.startDate };
      },

      DescribeExecution: (input) => {
        const record = engine.execution(required(input, "executionArn"));
        return {
          ...summary(record),
          input: record.input,
          inputDetails: { included: true },
          ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
          ...(record.error !== undefined ? { error: record.error } : {}),
          ...(record.cause !== undefined ? { cause: record.cause } : {}),
          redriveCount: 0,
          redriveStatus: "NOT_REDRIVABLE",
        };
      },

      GetExecutionHistory: (input) => {
        const record = engine.execution(required(input, "executionArn"));
        const events = input.reverseOrder ? [...record.history].reverse() : record.history;
        const { slice, next } = page(events, input);
        return { events: slice, ...(next ? { nextToken: next } : {}) };
      },

      ListExecutions: (input) => {
        const records = engine.listExecutions(
          required(input, "stateMachineArn"),
          typeof input.statusFilter === "string" ? input.statusFilter : undefined,
        );
        const { slice, next } = page(records, input);
        return { executions: slice.map(summary), ...(next ? { nextToken: next } : {}) };
      },

      StopExecution: (input) => ({
        stopDate: engine.stopExecution(
          required(input, "executionArn"),
          typeof input.error === "string" ? input.error : undefined,
          typeof input.cause === "string" ? input.cause : undefined,
        ),
      }),

      SendTaskSuccess: (input) => {
        engine.sendTaskSuccess(input.taskToken, required(input, "output"));
        return {};
      },

      SendTaskFailure: (input) => {
        engine.sendTaskFailure(input.taskToken, input.error, input.cause);
        return {};
      },

      SendTaskHeartbeat: (input) => {
        engine.sendTaskHeartbeat(input.taskToken);
        return {};
      },

      ListStateMachines: () => ({
        stateMachines: engine.listMachines().map((machine) => ({
          stateMachineArn: machine.definition.arn,
          name: machine.definition.name,
          type: machine.definition.type,
          creationDate: machine.createdAt,
        })),
      }),

      DescribeStateMachine: (input) => {
        const machine = engine.machine(required(input, "stateMachineArn"));
        return {
          stateMachineArn: machine.definition.arn,
          name: machine.definition.name,
          status: "ACTIVE",
          definition: JSON.stringify(machine.definition.definition),
          roleArn: `arn:aws:iam::000000000000:role/${machine.definition.name}-role`,
          type: machine.definition.type,
          creationDate: machine.createdAt,
        };
      },

      DescribeStateMachineForExecution: (input) => {
        const record = engine.execution(required(input, "executionArn"));
        const machine = engine.machine(record.stateMachineArn);
        return {
          stateMachineArn: machine.definition.arn,
          name: machine.definition.name,
          definition: JSON.stringify(machine.definition.definition),
          roleArn: `arn:aws:iam::000000000000:role/${machine.definition.name}-role`,
          updateDate: machine.createdAt,
        };
      },
    },
  };
}
