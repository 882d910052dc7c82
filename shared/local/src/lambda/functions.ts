import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { AwsError } from "../aws/protocol";
import type { FunctionDef } from "../config/model";
import { splitHandler } from "./bundle";

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export type InvokeResult =
  | { ok: true; payload: unknown; requestId: string; durationMs: number }
  | { ok: false; error: LambdaError; requestId: string; durationMs: number };

export interface FunctionLogLine {
  functionName: string;
  stream: "stdout" | "stderr";
  line: string;
}

/** A fault injected into a function's invocations: they fail without running the handler. */
export interface Fault {
  errorType: string;
  errorMessage?: string;
  /** Fail only this many invocations, then behave again (default: every invocation). */
  times?: number;
  /** Fail each invocation with this probability (default 1). */
  rate?: number;
}

export interface FunctionsOptions {
  /** Endpoint and credential variables every function sees (the AWS SDK's standard ones). */
  baseEnvironment: Record<string, string>;
  region: string;
  /** At most this many execution environments per function (Lambda scales further; one machine cannot). */
  maxInstancesPerFunction?: number;
  /** Receives every line a function writes; by default lines go to this process's stdout/stderr. */
  onLog?: (line: FunctionLogLine) => void;
  /** Functions' output is dropped where it is written, as if CloudWatch Logs were off. */
  discardLogs?: boolean;
}

interface Instance {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  pending?: {
    id: string;
    resolve: (result: InvokeResult) => void;
    timer: NodeJS.Timeout;
    started: number;
    requestId: string;
  };
}

const SANDBOX = join(__dirname, "sandbox.cjs");

/** The execution environments of one function: created on demand, one invocation at a time each. */
class FunctionPool {
  private readonly idle: Instance[] = [];
  private readonly all = new Set<Instance>();
  private readonly waiting: Array<(instance: Instance) => void> = [];
  private sequence = 0;

  constructor(
    readonly definition: FunctionDef,
    private readonly modulePath: string,
    private readonly environment: Record<string, string>,
    private readonly maxInstances: number,
    private readonly onLog: (line: FunctionLogLine) => void,
    private readonly discardLogs = false,
  ) {}

  /** Concurrent invocations this function may run (its reserved concurrency, if set). */
  get limit() {
    return Math.min(this.definition.reservedConcurrency ?? Number.POSITIVE_INFINITY, this.maxInstances);
  }

  get busyCount() {
    return [...this.all].filter((instance) => instance.busy).length;
  }

  private spawn(): Instance {
    const { exportName } = splitHandler(this.definition.handler);
    const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}/[$LATEST]${randomUUID().replaceAll("-", "")}`;
    const worker = new Worker(SANDBOX, {
      env: { ...this.environment, AWS_LAMBDA_LOG_STREAM_NAME: logStreamName },
      execArgv: ["--enable-source-maps"],
      stdout: true,
      stderr: true,
      workerData: {
        modulePath: this.modulePath,
        exportName,
        handler: this.definition.handler,
        functionName: this.definition.name,
        functionArn: this.definition.arn,
        memoryMb: this.definition.memoryMb,
        logStreamName,
        discardLogs: this.discardLogs,
      },
    });
    worker.unref();
    for (const stream of ["stdout", "stderr"] as const) {
      let buffered = "";
      worker[stream].on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          this.onLog({ functionName: this.definition.name, stream, line: buffered.slice(0, newline) });
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf("\n");
        }
      });
    }
    const instance: Instance = { worker, busy: true, ready: Promise.resolve() };
    instance.ready = new Promise<void>((resolve, reject) => {
      worker.on(
        "message",
        (message: {
          type: string;
          id?: string;
          ok?: boolean;
          payload?: string;
          error?: LambdaError;
          fatal?: boolean;
        }) => {
          if (message.type === "ready") resolve();
          else if (message.type === "init-error")
            reject(Object.assign(new Error(message.error?.errorMessage), { lambda: message.error }));
          else if (message.type === "result") this.settle(instance, message);
        },
      );
      worker.on("error", (error) => {
        reject(error);
        this.crash(instance, error);
      });
      worker.on("exit", () => this.crash(instance, new Error("the execution environment exited")));
    });
    instance.ready.catch(() => undefined);
    this.all.add(instance);
    return instance;
  }

  private settle(
    instance: Instance,
    message: { id?: string; ok?: boolean; payload?: string; error?: LambdaError; fatal?: boolean },
  ) {
    const pending = instance.pending;
    if (!pending || pending.id !== message.id) return;
    clearTimeout(pending.timer);
    instance.pending = undefined;
    const durationMs = Date.now() - pending.started;
    if (message.ok) {
      pending.resolve({
        ok: true,
        payload: JSON.parse(message.payload ?? "null"),
        requestId: pending.requestId,
        durationMs,
      });
    } else {
      pending.resolve({ ok: false, error: message.error as LambdaError, requestId: pending.requestId, durationMs });
    }
    if (message.fatal) this.discard(instance);
    else this.release(instance);
  }

  private crash(instance: Instance, error: Error) {
    const pending = instance.pending;
    if (pending) {
      clearTimeout(pending.timer);
      instance.pending = undefined;
      pending.resolve({
        ok: false,
        error: { errorType: "Runtime.ExitError", errorMessage: error.message, trace: [] },
        requestId: pending.requestId,
        durationMs: Date.now() - pending.started,
      });
    }
    this.discard(instance);
  }

  private discard(instance: Instance) {
    if (!this.all.delete(instance)) return;
    const at = this.idle.indexOf(instance);
    if (at >= 0) this.idle.splice(at, 1);
    void instance.worker.terminate();
    const next = this.waiting.shift();
    if (next) next(this.spawn());
  }

  private release(instance: Instance) {
    const next = this.waiting.shift();
    if (next) return next(instance);
    instance.busy = false;
    this.idle.push(instance);
  }

  /** An instance to run on, or undefined when the function's reserved concurrency is exhausted. */
  private async acquire(throttle: boolean): Promise<Instance | undefined> {
    const idle = this.idle.pop();
    if (idle) {
      idle.busy = true;
      return idle;
    }
    if (this.all.size < this.limit) return this.spawn();
    const reserved = this.definition.reservedConcurrency;
    if (throttle && reserved !== undefined && this.all.size >= reserved) return undefined;
    return new Promise<Instance>((resolve) => {
      this.waiting.push((instance) => {
        instance.busy = true;
        resolve(instance);
      });
    });
  }

  /** Runs one invocation; the event is JSON text, parsed by the execution environment. */
  async invoke(event: string, options: { clientContext?: unknown } = {}): Promise<InvokeResult> {
    const requestId = randomUUID();
    const instance = await this.acquire(true);
    if (!instance) {
      throw new AwsError(
        "TooManyRequestsException",
        `Rate Exceeded. (${this.definition.name} reserved concurrency ${this.definition.reservedConcurrency})`,
        429,
      );
    }
    const started = Date.now();
    try {
      await instance.ready;
    } catch (error) {
      this.discard(instance);
      const lambda = (error as { lambda?: LambdaError }).lambda;
      return {
        ok: false,
        error: lambda ?? { errorType: "Runtime.ImportModuleError", errorMessage: (error as Error).message, trace: [] },
        requestId,
        durationMs: Date.now() - started,
      };
    }
    const timeoutMs = this.definition.timeoutSeconds * 1000;
    return new Promise<InvokeResult>((resolve) => {
      const id = `${++this.sequence}`;
      const timer = setTimeout(() => {
        instance.pending = undefined;
        resolve({
          ok: false,
          error: {
            errorType: "Sandbox.Timedout",
            errorMessage: `${requestId} Task timed out after ${this.definition.timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          },
          requestId,
          durationMs: Date.now() - started,
        });
        this.discard(instance);
      }, timeoutMs);
      instance.pending = { id, resolve, timer, started, requestId };
      instance.worker.postMessage({
        type: "invoke",
        id,
        requestId,
        event,
        deadline: Date.now() + timeoutMs,
        ...(options.clientContext ? { clientContext: options.clientContext } : {}),
      });
    });
  }

  async close() {
    await Promise.all([...this.all].map((instance) => instance.worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }
}

/** Every function of the system, runnable by name or ARN. */
export class Functions {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly byArn = new Map<string, string>();
  private readonly faults = new Map<string, Fault & { remaining: number }>();
  private readonly counts = new Map<string, number>();
  private readonly milliseconds = new Map<string, number>();
  /** Wraps every invocation that runs (the fault injector): it may fail one before or after the handler. */
  intercept?: (name: string, run: () => Promise<InvokeResult>) => Promise<InvokeResult>;

  /** How many times each function has been invoked since the runtime started (by function name). */
  invocationCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** The milliseconds each function's invocations have run so far (by function name; Lambda bills this). */
  invocationMilliseconds(): Record<string, number> {
    return Object.fromEntries(this.milliseconds);
  }

  constructor(
    definitions: readonly FunctionDef[],
    modules: ReadonlyMap<string, string>,
    private readonly options: FunctionsOptions,
  ) {
    const onLog =
      options.onLog ??
      ((line: FunctionLogLine) => (line.stream === "stderr" ? process.stderr : process.stdout).write(`${line.line}\n`));
    for (const definition of definitions) {
      const modulePath = modules.get(definition.name);
      if (!modulePath) throw new Error(`function ${definition.name} was not bundled`);
      this.pools.set(
        definition.name,
        new FunctionPool(
          definition,
          modulePath,
          this.environmentOf(definition),
          options.maxInstancesPerFunction ?? 8,
          onLog,
          options.discardLogs,
        ),
      );
      this.byArn.set(definition.arn, definition.name);
    }
  }

  /** The environment a function sees on AWS: its own variables plus what the Lambda runtime sets. */
  private environmentOf(definition: FunctionDef): Record<string, string> {
    return {
      ...this.options.baseEnvironment,
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      AWS_LAMBDA_FUNCTION_NAME: definition.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${definition.name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      _HANDLER: definition.handler,
      LAMBDA_TASK_ROOT: "/var/task",
      TZ: ":UTC",
      LANG: "en_US.UTF-8",
      ...definition.environment,
    };
  }

  /** The function's name for a name, an ARN, or a qualified ARN; undefined when no such function. */
  resolveName(nameOrArn: string): string | undefined {
    if (this.pools.has(nameOrArn)) return nameOrArn;
    const unqualified = nameOrArn.replace(/:(\$LATEST|\d+)$/, "");
    return this.byArn.get(unqualified) ?? (this.pools.has(unqualified) ? unqualified : undefined);
  }

  definition(nameOrArn: string): FunctionDef | undefined {
    const name = this.resolveName(nameOrArn);
    return name ? this.pools.get(name)?.definition : undefined;
  }

  list(): FunctionDef[] {
    return [...this.pools.values()].map((pool) => pool.definition);
  }

  /** Makes the function's invocations fail as if its handler threw (chaos and failure-path tests). */
  injectFault(nameOrArn: string, fault: Fault) {
    const name = this.resolveName(nameOrArn);
    if (!name) throw new Error(`no function ${nameOrArn} to inject a fault into`);
    this.faults.set(name, { ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(nameOrArn?: string) {
    if (nameOrArn === undefined) this.faults.clear();
    else this.faults.delete(this.resolveName(nameOrArn) ?? nameOrArn);
  }

  private injected(name: string): InvokeResult | undefined {
    const fault = this.faults.get(name);
    if (!fault || fault.remaining <= 0 || Math.random() >= (fault.rate ?? 1)) return undefined;
    fault.remaining -= 1;
    return {
      ok: false,
      error: { errorType: fault.errorType, errorMessage: fault.errorMessage ?? "injected fault", trace: [] },
      requestId: crypto.randomUUID(),
      durationMs: 0,
    };
  }

  /** A synchronous (RequestResponse) invocation. Throws `ResourceNotFoundException` for an unknown function. */
  async invoke(nameOrArn: string, event: unknown, options: { clientContext?: unknown } = {}): Promise<InvokeResult> {
    const name = this.resolveName(nameOrArn);
    const pool = name ? this.pools.get(name) : undefined;
    if (!name || !pool) throw new AwsError("ResourceNotFoundException", `Function not found: ${nameOrArn}`, 404);
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    const run = () =>
      pool.invoke(JSON.stringify(event ?? null), options).then((result) => {
        this.milliseconds.set(name, (this.milliseconds.get(name) ?? 0) + result.durationMs);
        return result;
      });
    return this.injected(name) ?? (this.intercept ? this.intercept(name, run) : run());
  }

  async close() {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }
}
