import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_OPTIONS, formatReport, runChaos } from "../src";

const HELP = `npm run chaos -- [options]

Places orders through both flows on the local runtime while it injects faults, redrives the
dead-letter queue, then checks the invariants against the tables and the bus archive. Exits 1
when an invariant does not hold.

  --orders <n>          orders to place (default ${DEFAULT_OPTIONS.orders})
  --rate <n>            orders offered per second (default ${DEFAULT_OPTIONS.ratePerSecond})
  --seed <n>            seeds the orders and the faults (default ${DEFAULT_OPTIONS.seed})
  --fault-rate <r>      every fault kind at this rate (0–1); the options below override one kind
  --transient <r>       a consumer's invocation fails before its handler runs
  --crash <r>           a consumer's handler runs, then its invocation fails
  --duplicate <r>       an EventBridge target gets the event twice
  --delay <r>           a delivery is held back (up to --max-delay-ms), so later events overtake it
  --max-delay-ms <n>    (default ${DEFAULT_OPTIONS.faults.maxDelayMs})
  --saga <r>            share of orders through the saga (default ${DEFAULT_OPTIONS.mix.saga})
  --declined <r>        share of CUST-DECLINE orders (default ${DEFAULT_OPTIONS.mix.declined})
  --slow-provider <r>   share of CUST-SLOW orders: the provider answers after the workflow stopped waiting (default ${DEFAULT_OPTIONS.mix.slowProvider})
  --out-of-stock <r>    share of orders with an OUT-OF-STOCK line (default ${DEFAULT_OPTIONS.mix.outOfStock})
  --scarce <r>          share of orders for the scarce SKUs (default ${DEFAULT_OPTIONS.mix.scarceStock})
  --time-scale <x>      the runtime's AWS-side delays, scaled (default ${DEFAULT_OPTIONS.timeScale})
  --json <file>         also write the report as JSON`;

const { values } = parseArgs({
  options: {
    orders: { type: "string" },
    rate: { type: "string" },
    seed: { type: "string" },
    "fault-rate": { type: "string" },
    transient: { type: "string" },
    crash: { type: "string" },
    duplicate: { type: "string" },
    delay: { type: "string" },
    "max-delay-ms": { type: "string" },
    saga: { type: "string" },
    declined: { type: "string" },
    "slow-provider": { type: "string" },
    "out-of-stock": { type: "string" },
    scarce: { type: "string" },
    "time-scale": { type: "string" },
    json: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function number(name: string, value: string | undefined, fallback: number, max = Number.POSITIVE_INFINITY): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > max) {
    console.error(`--${name} must be a number between 0 and ${max}, not ${value}`);
    process.exit(2);
  }
  return parsed;
}

const defaults = DEFAULT_OPTIONS;
const all = values["fault-rate"] === undefined ? undefined : number("fault-rate", values["fault-rate"], 0, 1);
const rate = (name: "transient" | "crash" | "duplicate" | "delay", fallback: number | undefined) =>
  number(name, values[name], all ?? fallback ?? 0, 1);

async function main() {
  const report = await runChaos({
    orders: Math.floor(number("orders", values.orders, defaults.orders)),
    ratePerSecond: number("rate", values.rate, defaults.ratePerSecond),
    seed: Math.floor(number("seed", values.seed, defaults.seed)),
    faults: {
      transientErrorRate: rate("transient", defaults.faults.transientErrorRate),
      crashRate: rate("crash", defaults.faults.crashRate),
      duplicateRate: rate("duplicate", defaults.faults.duplicateRate),
      delayRate: rate("delay", defaults.faults.delayRate),
      maxDelayMs: number("max-delay-ms", values["max-delay-ms"], defaults.faults.maxDelayMs ?? 2000),
    },
    mix: {
      saga: number("saga", values.saga, defaults.mix.saga, 1),
      declined: number("declined", values.declined, defaults.mix.declined, 1),
      slowProvider: number("slow-provider", values["slow-provider"], defaults.mix.slowProvider, 1),
      outOfStock: number("out-of-stock", values["out-of-stock"], defaults.mix.outOfStock, 1),
      scarceStock: number("scarce", values.scarce, defaults.mix.scarceStock, 1),
    },
    timeScale: number("time-scale", values["time-scale"], defaults.timeScale),
    onProgress: (line) => console.error(line),
  });

  console.log(formatReport(report));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  process.exit(report.invariants.every((invariant) => invariant.holds) ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
