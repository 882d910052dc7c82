import { Activity } from "../src/activity";
import { type ExecutionRecord, StepFunctions, type TaskBindings } from "../src/stepfunctions/engine";

const ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:m";
const FN = "arn:aws:lambda:us-east-1:000000000000:function:work";

class Transient extends Error {
  override name = "TransientFailure";
}

function engineFor(definition: Record<string, unknown>, bindings: Partial<TaskBindings>) {
  const activity = new Activity();
  const engine = new StepFunctions(
    [{ service: "test", logicalId: "M", name: "m", arn: ARN, type: "STANDARD", definition }],
    {
      invokeFunction: async () => ({ ok: true, payload: null, requestId: "r", durationMs: 0 }),
      invokeFunctionAsync: () => undefined,
      putEvents: () => ({ FailedEntryCount: 0, Entries: [{ EventId: "e" }] }),
      ...bindings,
    },
    { region: "us-east-1", accountId: "000000000000", activity, timeScale: 0.001 },
  );
  return { engine, activity };
}

const types = (record: ExecutionRecord) => record.history.map((event) => event.type);

describe("Step Functions engine", () => {
  it("retries a failing task per its Retry and shows each failed attempt in the history", async () => {
    let calls = 0;
    const { engine, activity } = engineFor(
      {
        StartAt: "Work",
        States: {
          Work: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Parameters: { FunctionName: FN, "Payload.$": "$" },
            Retry: [{ ErrorEquals: ["TransientFailure"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
            OutputPath: "$.Payload",
            End: true,
          },
        },
      },
      {
        invokeFunction: async (_name, payload) => {
          calls += 1;
          if (calls < 3) {
            const error = new Transient("try again");
            return {
              ok: false,
              error: { errorType: error.name, errorMessage: error.message, trace: [] },
              requestId: "r",
              durationMs: 1,
            };
          }
          return { ok: true, payload: { echoed: payload }, requestId: "r", durationMs: 1 };
        },
      },
    );
    const started = engine.startExecution(ARN, "retry-1", JSON.stringify({ n: 1 }));
    await activity.idle();
    const record = engine.execution(started.executionArn);
    expect(record.status).toBe("SUCCEEDED");
    expect(JSON.parse(record.output ?? "null")).toEqual({ echoed: { n: 1 } });
    expect(types(record)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    const failed = record.history.find((event) => event.type === "TaskFailed")?.taskFailedEventDetails as {
      error: string;
      cause: string;
    };
    expect(failed.error).toBe("TransientFailure");
    expect(JSON.parse(failed.cause)).toMatchObject({ errorType: "TransientFailure", errorMessage: "try again" });
  });

  it("catches a failure into another state, as Step Functions shows it", async () => {
    const { engine, activity } = engineFor(
      {
        StartAt: "Work",
        States: {
          Work: {
            Type: "Task",
            Resource: FN,
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Compensate" }],
            Next: "Done",
          },
          Compensate: { Type: "Pass", Result: "compensated", ResultPath: "$.outcome", Next: "Done" },
          Done: { Type: "Succeed" },
        },
      },
      {
        invokeFunction: async () => ({
          ok: false,
          error: { errorType: "OutOfStock", errorMessage: "none left", trace: [] },
          requestId: "r",
          durationMs: 1,
        }),
      },
    );
    const started = engine.startExecution(ARN, undefined, "{}");
    await activity.idle();
    const record = engine.execution(started.executionArn);
    expect(types(record)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "LambdaFunctionScheduled",
      "LambdaFunctionStarted",
      "LambdaFunctionFailed",
      "TaskStateExited",
      "PassStateEntered",
      "PassStateExited",
      "SucceedStateEntered",
      "SucceedStateExited",
      "ExecutionSucceeded",
    ]);
    expect(JSON.parse(record.output ?? "{}")).toMatchObject({ outcome: "compensated", error: { Error: "OutOfStock" } });
  });

  it("fails a callback task whose heartbeat stops, and accepts heartbeats that keep it alive", async () => {
    let token = "";
    const { engine, activity } = engineFor(
      {
        StartAt: "Wait",
        States: {
          Wait: {
            Type: "Task",
            Resource: "arn:aws:states:::events:putEvents.waitForTaskToken",
            HeartbeatSeconds: 60,
            Parameters: { Entries: [{ Source: "s", DetailType: "d", Detail: { "token.$": "$$.Task.Token" } }] },
            End: true,
          },
        },
      },
      {
        putEvents: (entries) => {
          token = JSON.parse(String((entries[0] as { Detail: string }).Detail)).token;
          return { FailedEntryCount: 0, Entries: [{ EventId: "e" }] };
        },
      },
    );
    const started = engine.startExecution(ARN, "hb", "{}");
    for (let beat = 0; beat < 3; beat += 1) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      engine.sendTaskHeartbeat(token);
    }
    expect(engine.execution(started.executionArn).status).toBe("RUNNING");
    await activity.idle();
    const record = engine.execution(started.executionArn);
    expect(record).toMatchObject({ status: "FAILED", error: "States.HeartbeatTimeout" });
    expect(types(record)).toContain("TaskTimedOut");
  });

  it("rejects names Step Functions rejects", () => {
    const { engine } = engineFor({ StartAt: "P", States: { P: { Type: "Pass", End: true } } }, {});
    expect(() => engine.startExecution(ARN, "has space", "{}")).toThrow("Invalid Name");
    expect(() => engine.startExecution(ARN, "ok", "{not json")).toThrow("Invalid State Machine Execution Input");
  });
});
