import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type RunOptions, StateMachine } from "aws-local-stepfunctions";
import type { Activity } from "../activity";
import { AwsError } from "../aws/protocol";
import type { StateMachineDef } from "../config/model";
import type { PutEventsResultEntry } from "../eventbridge/bus";
import type { InvokeResult } from "../lambda/functions";
import { allStates, resourceKind, runnable, type StateDefinition, unsupported } from "./definition";

export interface TaskBindings {
  /** A synchronous Lambda invocation; throws an AwsError for a missing or throttled function. */
  invokeFunction(nameOrArn: string, payload: unknown): Promise<InvokeResult>;
  /** An asynchronous Lambda invocation; throws an AwsError for a missing function. */
  invokeFunctionAsync(nameOrArn: string, payload: unknown): void;
  putEvents(entries: unknown[]): { FailedEntryCount: number; Entries: PutEventsResultEntry[] };
}

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
}

export type ExecutionLogRecord = {
  type: "execution.started" | "execution.succeeded" | "execution.failed" | "execution.timed-out" | "execution.aborted";
  stateMachine: string;
  execution: string;
  error?: string;
  at: string;
};

export interface StepFunctionsOptions {
  region: string;
  accountId: string;
  activity: Activity;
  /** Multiplies every wait, retry interval and timeout written in the definitions (1 = real time). */
  timeScale?: number;
  /** Keeps finished executions (with their history) as JSON lines here, and reads them at start. */
  dataDir?: string;
  onRecord?: (record: ExecutionLogRecord) => void;
  /** Called when an execution starts and when it ends, as Step Functions reports status changes. */
  onStatusChange?: (record: ExecutionRecord) => void;
}

interface Attempt {
  events: Array<Omit<HistoryEvent, "id" | "previousEventId">>;
  done: boolean;
  tokens: string[];
  resourceType: string;
  resource: string;
}

interface Waiter {
  execution: Execution;
  attempt: Attempt;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  heartbeatMs?: number;
  timer?: NodeJS.Timeout;
  closed: boolean;
}

interface Execution {
  record: ExecutionRecord;
  machine: Machine;
  attempts: Map<string, Attempt[]>;
  unclaimed: Set<string>;
  abort?: () => void;
  stopRequested?: { error?: string; cause?: string };
}

interface Machine {
  definition: StateMachineDef;
  runnable: StateMachine;
  states: Map<string, StateDefinition>;
  createdAt: Date;
}

/** A task failure as Step Functions reports it: `Error` is the name, `Cause` the text. */
class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
    this.cause = cause;
  }
}

// Step Functions forbids whitespace, brackets, wildcards, some punctuation and control characters in names.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what the rule excludes
const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

const json = (value: unknown) => JSON.stringify(value ?? null);

export class StepFunctions {
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new Map<string, Waiter>();
  private readonly timeScale: number;

  constructor(
    definitions: readonly StateMachineDef[],
    private readonly bindings: TaskBindings,
    private readonly options: StepFunctionsOptions,
  ) {
    this.timeScale = options.timeScale ?? 1;
    const problems: string[] = [];
    for (const definition of definitions) {
      const issues = unsupported(definition.definition);
      if (issues.length > 0) {
        problems.push(...issues.map((issue) => `state machine ${definition.name} (${definition.service}): ${issue}`));
        continue;
      }
      try {
        // Validate the definition as written, then run a copy with local timing adjustments.
        new StateMachine(definition.definition as never);
        const machine = new StateMachine(runnable(definition.definition, this.timeScale) as never, {
          validationOptions: { noValidate: true },
        });
        this.machines.set(definition.arn, {
          definition,
          runnable: machine,
          states: allStates(definition.definition),
          createdAt: new Date(),
        });
      } catch (error) {
        problems.push(`state machine ${definition.name} (${definition.service}): ${(error as Error).message}`);
      }
    }
    if (problems.length > 0) throw new Error(`state machines cannot run locally:\n  - ${problems.join("\n  - ")}`);
    if (options.dataDir) this.loadFinished(options.dataDir);
  }

  private get historyFile() {
    return this.options.dataDir ? join(this.options.dataDir, "executions.jsonl") : undefined;
  }

  private loadFinished(dir: string) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "executions.jsonl");
    if (!existsSync(file)) return;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.trim()) continue;
      const record = JSON.parse(line, (key, value) =>
        (key === "timestamp" || key === "startDate" || key === "stopDate") && typeof value === "string"
          ? new Date(value)
          : value,
      ) as ExecutionRecord;
      const machine = this.machines.get(record.stateMachineArn);
      if (machine)
        this.executions.set(record.executionArn, { record, machine, attempts: new Map(), unclaimed: new Set() });
    }
  }

  machine(arn: string): Machine {
    const machine =
      this.machines.get(arn) ?? [...this.machines.values()].find((candidate) => candidate.definition.name === arn);
    if (!machine) throw new AwsError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  listMachines(): Machine[] {
    return [...this.machines.values()];
  }

  execution(arn: string): ExecutionRecord {
    const execution = this.executions.get(arn);
    if (!execution) throw new AwsError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    return execution.record;
  }

  listExecutions(stateMachineArn: string, status?: string): ExecutionRecord[] {
    const machine = this.machine(stateMachineArn);
    return [...this.executions.values()]
      .map((execution) => execution.record)
      .filter((record) => record.stateMachineArn === machine.definition.arn && (!status || record.status === status))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  /**
   * Starts an execution. As for Standard workflows, a name in use by a running execution with the
   * same input returns that execution; any other reuse of a name is `ExecutionAlreadyExists`.
   */
  startExecution(stateMachineArn: string, name: string | undefined, input: string | undefined): ExecutionRecord {
    const machine = this.machine(stateMachineArn);
    const executionName = name ?? randomUUID();
    if (!NAME.test(executionName)) throw new AwsError("InvalidName", `Invalid Name: '${executionName}'`);
    const text = input ?? "{}";
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AwsError("InvalidExecutionInput", `Invalid State Machine Execution Input: '${text.slice(0, 200)}'`);
    }
    if (Buffer.byteLength(text) > 256 * 1024)
      throw new AwsError("InvalidExecutionInput", "Input exceeds the 256 KiB limit");
    const executionArn = `arn:aws:states:${this.options.region}:${this.options.accountId}:execution:${machine.definition.name}:${executionName}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (
        machine.definition.type === "STANDARD" &&
        existing.record.status === "RUNNING" &&
        existing.record.input === text
      ) {
        return existing.record;
      }
      throw new AwsError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.definition.arn,
      name: executionName,
      status: "RUNNING",
      startDate: new Date(),
      input: text,
      history: [],
    };
    const execution: Execution = { record, machine, attempts: new Map(), unclaimed: new Set() };
    this.executions.set(executionArn, execution);
    this.commit(execution, {
      timestamp: record.startDate,
      type: "ExecutionStarted",
      executionStartedEventDetails: {
        input: text,
        inputDetails: { truncated: false },
        roleArn: `arn:aws:iam::${this.options.accountId}:role/${machine.definition.name}-role`,
      },
    });
    this.log(execution, "execution.started");
    this.options.onStatusChange?.(record);
    const end = this.options.activity.begin();
    void this.run(execution, parsed).finally(end);
    return record;
  }

  private log(execution: Execution, type: ExecutionLogRecord["type"], error?: string) {
    this.options.onRecord?.({
      type,
      stateMachine: execution.machine.definition.name,
      execution: execution.record.name,
      ...(error ? { error } : {}),
      at: new Date().toISOString(),
    });
  }

  private commit(execution: Execution, event: Omit<HistoryEvent, "id" | "previousEventId">) {
    const history = execution.record.history;
    history.push({ id: history.length + 1, previousEventId: history.length, ...event } as HistoryEvent);
  }

  private async run(execution: Execution, input: unknown) {
    const record = execution.record;
    const machine = execution.machine;
    const handlers: LocalHandlers = {};
    for (const [name, state] of machine.states) {
      if (state.Type === "Task") {
        handlers[name] = async (taskInput) => (await this.runTask(execution, name, state, taskInput)) as JsonValue;
      }
    }
    const unclaimed = execution.unclaimed;
    const newToken = () => {
      const token = randomBytes(48).toString("base64url");
      unclaimed.add(token);
      return token;
    };
    const run = machine.runnable.run(input as JsonValue, {
      overrides: { taskResourceLocalHandlers: handlers },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          StartTime: record.startDate.toISOString(),
          Input: input as JsonValue,
        },
        StateMachine: { Id: machine.definition.arn, Name: machine.definition.name },
        // Read when a state's parameters are evaluated, right after the state is entered.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
        Task: {
          get Token() {
            return newToken();
          },
        },
      },
    });
    execution.abort = run.abort;
    run.result.catch(() => undefined);
    for await (const event of run.eventLogs) this.onLibraryEvent(execution, event);
    this.finish(execution);
  }

  private onLibraryEvent(execution: Execution, event: LibraryEvent) {
    const timestamp = new Date(event.timestamp);
    const record = execution.record;
    switch (event.type) {
      case "ExecutionStarted":
        return;
      case "StateEntered":
        return this.commit(execution, {
          timestamp,
          type: `${event.state.type}StateEntered`,
          stateEnteredEventDetails: {
            name: event.state.name,
            input: json(event.state.input),
            inputDetails: { truncated: false },
          },
        });
      case "StateFailed":
        if (event.state.type === "Task")
          this.flushAttempt(execution, event.state.name, event.Error, String(event.Cause ?? ""));
        return;
      case "StateExited":
        if (event.state.type === "Task") this.flushAttempt(execution, event.state.name);
        return this.commit(execution, {
          timestamp,
          type: `${event.state.type}StateExited`,
          stateExitedEventDetails: {
            name: event.state.name,
            output: json(event.state.output),
            outputDetails: { truncated: false },
          },
        });
      case "StateRetried":
      case "StateCaught":
        // Step Functions shows these as the task's failure followed by a new attempt or the next state.
        return;
      case "ExecutionSucceeded":
        record.status = "SUCCEEDED";
        record.output = json(event.output);
        return this.commit(execution, {
          timestamp,
          type: "ExecutionSucceeded",
          executionSucceededEventDetails: { output: record.output, outputDetails: { truncated: false } },
        });
      case "ExecutionFailed":
        record.status = "FAILED";
        record.error = event.Error;
        record.cause = String(event.Cause ?? "");
        return this.commit(execution, {
          timestamp,
          type: "ExecutionFailed",
          executionFailedEventDetails: { error: record.error, cause: record.cause },
        });
      case "ExecutionTimeout":
        record.status = "TIMED_OUT";
        record.error = "States.Timeout";
        return this.commit(execution, {
          timestamp,
          type: "ExecutionTimedOut",
          executionTimedOutEventDetails: { error: "States.Timeout", cause: "The execution timed out" },
        });
      case "ExecutionAborted":
        record.status = "ABORTED";
        record.error = execution.stopRequested?.error;
        record.cause = execution.stopRequested?.cause;
        return this.commit(execution, {
          timestamp,
          type: "ExecutionAborted",
          executionAbortedEventDetails: {
            ...(record.error ? { error: record.error } : {}),
            ...(record.cause ? { cause: record.cause } : {}),
          },
        });
      default:
        // Map iterations and Parallel branches
        return this.commit(execution, { timestamp, type: event.type });
    }
  }

  /** Moves the oldest attempt of a task into the history, closing it as timed out if it never finished. */
  private flushAttempt(execution: Execution, stateName: string, error?: string, cause?: string) {
    const queue = execution.attempts.get(stateName);
    const attempt = queue?.shift();
    if (!attempt) return;
    if (!attempt.done) {
      attempt.done = true;
      this.closeTokens(attempt);
      attempt.events.push({
        timestamp: new Date(),
        type: "TaskTimedOut",
        taskTimedOutEventDetails: {
          resourceType: attempt.resourceType,
          resource: attempt.resource,
          error: error ?? "States.Timeout",
          cause: cause ?? "",
        },
      });
    }
    for (const event of attempt.events) this.commit(execution, event);
  }

  private closeTokens(attempt: Attempt) {
    for (const token of attempt.tokens) {
      const waiter = this.tokens.get(token);
      if (waiter) {
        waiter.closed = true;
        clearTimeout(waiter.timer);
      }
    }
  }

  private finish(execution: Execution) {
    const record = execution.record;
    record.stopDate = record.history.at(-1)?.timestamp ?? new Date();
    for (const queue of execution.attempts.values()) {
      for (const attempt of queue) {
        attempt.done = true;
        this.closeTokens(attempt);
      }
    }
    execution.attempts.clear();
    execution.unclaimed.clear();
    const type = {
      RUNNING: "execution.aborted",
      SUCCEEDED: "execution.succeeded",
      FAILED: "execution.failed",
      TIMED_OUT: "execution.timed-out",
      ABORTED: "execution.aborted",
    }[record.status] as ExecutionLogRecord["type"];
    this.log(execution, type, record.error);
    this.options.onStatusChange?.(record);
    const file = this.historyFile;
    if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
  }

  private async runTask(
    execution: Execution,
    stateName: string,
    state: StateDefinition,
    input: unknown,
  ): Promise<unknown> {
    const { kind, callback } = resourceKind(String(state.Resource)) ?? { kind: "lambda:arn", callback: false };
    const serialized = json(input);
    const tokens = [...execution.unclaimed].filter((token) => serialized.includes(token));
    for (const token of tokens) execution.unclaimed.delete(token);
    const resourceType = kind === "events:putEvents" ? "events" : "lambda";
    const resource =
      kind === "lambda:arn" ? String(state.Resource) : `${kind.split(":")[1]}${callback ? ".waitForTaskToken" : ""}`;
    const attempt: Attempt = { events: [], done: false, tokens, resourceType, resource };
    const queue = execution.attempts.get(stateName) ?? [];
    queue.push(attempt);
    execution.attempts.set(stateName, queue);
    const add = (type: string, details: Record<string, unknown>) =>
      attempt.events.push({ timestamp: new Date(), type, ...details });
    const base = { resourceType, resource };
    const timeoutInSeconds = typeof state.TimeoutSeconds === "number" ? state.TimeoutSeconds : undefined;
    const heartbeatInSeconds = typeof state.HeartbeatSeconds === "number" ? state.HeartbeatSeconds : undefined;

    if (kind === "lambda:arn") {
      add("LambdaFunctionScheduled", {
        lambdaFunctionScheduledEventDetails: {
          resource: String(state.Resource),
          input: serialized,
          ...(timeoutInSeconds ? { timeoutInSeconds } : {}),
        },
      });
      add("LambdaFunctionStarted", {});
    } else {
      add("TaskScheduled", {
        taskScheduledEventDetails: {
          ...base,
          region: this.options.region,
          parameters: serialized,
          ...(timeoutInSeconds ? { timeoutInSeconds } : {}),
          ...(heartbeatInSeconds ? { heartbeatInSeconds } : {}),
        },
      });
      add("TaskStarted", { taskStartedEventDetails: base });
    }

    try {
      let output: unknown;
      if (kind === "lambda:arn") {
        output = await this.invoke(String(state.Resource), input);
      } else if (kind === "lambda:invoke") {
        const parameters = (input ?? {}) as { FunctionName?: string; Payload?: unknown };
        if (!parameters.FunctionName)
          throw new TaskError("States.Runtime", "lambda:invoke needs Parameters.FunctionName");
        if (callback) {
          this.invokeAsync(parameters.FunctionName, parameters.Payload);
          add("TaskSubmitted", { taskSubmittedEventDetails: { ...base, output: json({ StatusCode: 202 }) } });
          output = await this.waitForToken(execution, attempt, heartbeatInSeconds);
        } else {
          const payload = await this.invoke(parameters.FunctionName, parameters.Payload);
          const requestId = randomUUID();
          output = {
            ExecutedVersion: "$LATEST",
            Payload: payload,
            SdkHttpMetadata: { HttpHeaders: { "X-Amz-Executed-Version": "$LATEST" }, HttpStatusCode: 200 },
            SdkResponseMetadata: { RequestId: requestId },
            StatusCode: 200,
          };
        }
      } else {
        const entries = ((input as { Entries?: unknown[] } | undefined)?.Entries ?? []).map((entry) => {
          const item = { ...(entry as Record<string, unknown>) };
          if (item.Detail !== undefined && typeof item.Detail !== "string") item.Detail = JSON.stringify(item.Detail);
          return item;
        });
        const response = this.bindings.putEvents(entries);
        if (response.FailedEntryCount > 0) {
          throw new TaskError("EventBridge.FailedEntry", json(response));
        }
        if (callback) {
          add("TaskSubmitted", { taskSubmittedEventDetails: { ...base, output: json(response) } });
          output = await this.waitForToken(execution, attempt, heartbeatInSeconds);
        } else {
          output = response;
        }
      }
      if (!attempt.done) {
        attempt.done = true;
        if (kind === "lambda:arn")
          add("LambdaFunctionSucceeded", { lambdaFunctionSucceededEventDetails: { output: json(output) } });
        else add("TaskSucceeded", { taskSucceededEventDetails: { ...base, output: json(output) } });
      }
      return output;
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const cause = typeof error.cause === "string" ? error.cause : error.message;
      if (!attempt.done) {
        attempt.done = true;
        if (error.name === "States.HeartbeatTimeout") {
          add("TaskTimedOut", { taskTimedOutEventDetails: { ...base, error: error.name, cause } });
        } else if (kind === "lambda:arn") {
          add("LambdaFunctionFailed", { lambdaFunctionFailedEventDetails: { error: error.name, cause } });
        } else {
          add("TaskFailed", { taskFailedEventDetails: { ...base, error: error.name, cause } });
        }
      }
      throw error;
    }
  }

  private async invoke(functionName: string, payload: unknown): Promise<unknown> {
    let result: InvokeResult;
    try {
      result = await this.bindings.invokeFunction(functionName, payload);
    } catch (error) {
      throw new TaskError(`Lambda.${(error as Error).name}`, (error as Error).message);
    }
    if (result.ok) return result.payload;
    throw new TaskError(result.error.errorType, JSON.stringify(result.error));
  }

  private invokeAsync(functionName: string, payload: unknown) {
    try {
      this.bindings.invokeFunctionAsync(functionName, payload);
    } catch (error) {
      throw new TaskError(`Lambda.${(error as Error).name}`, (error as Error).message);
    }
  }

  private waitForToken(execution: Execution, attempt: Attempt, heartbeatSeconds: number | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      for (const token of attempt.tokens) {
        const waiter: Waiter = {
          execution,
          attempt,
          resolve,
          reject,
          closed: false,
          ...(heartbeatSeconds ? { heartbeatMs: heartbeatSeconds * 1000 * this.timeScale } : {}),
        };
        this.tokens.set(token, waiter);
        this.armHeartbeat(waiter);
      }
    });
  }

  private armHeartbeat(waiter: Waiter) {
    clearTimeout(waiter.timer);
    if (!waiter.heartbeatMs) return;
    waiter.timer = setTimeout(() => {
      if (waiter.closed) return;
      waiter.closed = true;
      waiter.reject(
        new TaskError("States.HeartbeatTimeout", "No heartbeat was received within the heartbeat interval"),
      );
    }, waiter.heartbeatMs);
    waiter.timer.unref();
  }

  private waiter(token: unknown): Waiter {
    if (typeof token !== "string" || token.length === 0)
      throw new AwsError("InvalidToken", "Invalid Token: a task token is required");
    const waiter = this.tokens.get(token);
    if (!waiter) throw new AwsError("InvalidToken", "Invalid Token: this token was not issued by this local runtime");
    if (waiter.closed || waiter.execution.record.status !== "RUNNING") {
      throw new AwsError("TaskTimedOut", "Task Timed Out: the task of this token is no longer waiting");
    }
    return waiter;
  }

  sendTaskSuccess(token: unknown, output: unknown) {
    const waiter = this.waiter(token);
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(output));
    } catch {
      throw new AwsError("InvalidOutput", "Invalid Output: the output must be JSON");
    }
    this.settle(waiter);
    waiter.resolve(parsed);
  }

  sendTaskFailure(token: unknown, error: unknown, cause: unknown) {
    const waiter = this.waiter(token);
    this.settle(waiter);
    waiter.reject(
      new TaskError(
        typeof error === "string" && error ? error : "States.TaskFailed",
        typeof cause === "string" ? cause : "",
      ),
    );
  }

  sendTaskHeartbeat(token: unknown) {
    this.armHeartbeat(this.waiter(token));
  }

  private settle(waiter: Waiter) {
    for (const token of waiter.attempt.tokens) {
      const other = this.tokens.get(token);
      if (other) {
        other.closed = true;
        clearTimeout(other.timer);
      }
    }
  }

  stopExecution(arn: string, error?: string, cause?: string): Date {
    const execution = this.executions.get(arn);
    if (!execution) throw new AwsError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    if (execution.record.status === "RUNNING") {
      execution.stopRequested = { ...(error ? { error } : {}), ...(cause ? { cause } : {}) };
      execution.abort?.();
    }
    return new Date();
  }

  /** Aborts what is still running (the runtime is stopping). */
  close() {
    for (const execution of this.executions.values()) {
      if (execution.record.status === "RUNNING") {
        execution.stopRequested = { error: "Keel.RuntimeStopped", cause: "the local runtime stopped" };
        execution.abort?.();
      }
    }
    for (const waiter of this.tokens.values()) clearTimeout(waiter.timer);
  }
}

type LibraryEvent = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;
type LocalHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;
type JsonValue = Parameters<LocalHandlers[string]>[0];
