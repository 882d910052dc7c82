import type { ChaosReport } from "./run";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const percent = (rate: number | undefined) => `${((rate ?? 0) * 100).toFixed(1)}%`;

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
}

/** The figures of a run and each invariant ✓/✗ with its counterexamples, as printed. */
export function formatReport(report: ChaosReport, maxCounterexamples = 10): string {
  const { options } = report;
  const rows: Array<[string, string]> = [
    ["orders offered", `${report.offered} at ${options.ratePerSecond}/s, seed ${options.seed}`],
    [
      "order mix",
      `saga ${percent(options.mix.saga)}, declined ${percent(options.mix.declined)}, slow provider ${percent(
        options.mix.slowProvider,
      )}, out of stock ${percent(options.mix.outOfStock)}, scarce stock ${percent(options.mix.scarceStock)}`,
    ],
    [
      "fault rates",
      `transient ${percent(options.faults.transientErrorRate)}, crash ${percent(options.faults.crashRate)}, duplicate ${percent(
        options.faults.duplicateRate,
      )}, delay ${percent(options.faults.delayRate)} (≤ ${options.faults.maxDelayMs ?? 2000} ms)`,
    ],
    ["accepted (202)", `${report.accepted} (${report.refused.length} refused, ${report.httpRetries} client retries)`],
  ];
  for (const [flow, statuses] of Object.entries(report.outcomes).sort()) {
    const parts = Object.entries(statuses)
      .sort(([, a], [, b]) => b - a)
      .map(([status, count]) => `${status} ${count}`);
    rows.push([`outcome: ${flow}`, parts.join(", ")]);
  }
  for (const [flow, byKind] of Object.entries(report.rejections).sort()) {
    const parts = Object.entries(byKind)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([kind, reasons]) =>
          `${kind}: ${Object.entries(reasons)
            .sort(([, a], [, b]) => b - a)
            .map(([reason, count]) => `${reason} ${count}`)
            .join(", ")}`,
      );
    rows.push([`rejected: ${flow}`, parts.join("; ")]);
  }
  rows.push(
    [
      "faults injected",
      `transient errors ${report.faults.transient}, consumer crashes ${report.faults.crash}, duplicate deliveries ${report.faults.duplicate}, delayed deliveries ${report.faults.delay}`,
    ],
    ["retries", `Lambda async ${report.retries.lambda}, EventBridge ${report.retries.eventBridge}`],
    [
      "dead letters",
      `${report.deadLetters.dlqd} DLQ'd, ${report.deadLetters.redriven} redriven to success in ${report.deadLetters.rounds} round(s), ${report.deadLetters.remaining} left`,
    ],
    ["dropped deliveries", String(report.dropped)],
    ["terminal events re-published", `${report.republishedTerminalEvents} (same envelope, same event id)`],
    ["function invocations", String(report.invocations)],
    [
      "duration",
      `${seconds(report.durations.totalMs)} (offer ${seconds(report.durations.offerMs)}, settle ${seconds(
        report.durations.settleMs,
      )}, redrive ${seconds(report.durations.redriveMs)})`,
    ],
    ["throughput", `${report.ordersPerSecond.toFixed(1)} orders/s (accepted ÷ offer + settle)`],
  );
  const lines = ["Figures", table(rows), "", "Invariants"];
  for (const invariant of report.invariants) {
    lines.push(`  ${invariant.holds ? "✓" : "✗"} ${invariant.name} (${invariant.checked} checked)`);
    for (const example of invariant.counterexamples.slice(0, maxCounterexamples)) lines.push(`      ${example}`);
    if (invariant.counterexamples.length > maxCounterexamples)
      lines.push(`      … and ${invariant.counterexamples.length - maxCounterexamples} more`);
  }
  if (report.refused.length > 0) {
    lines.push("", "Refused orders");
    for (const refusal of report.refused.slice(0, maxCounterexamples)) lines.push(`  ${refusal}`);
  }
  return lines.join("\n");
}
