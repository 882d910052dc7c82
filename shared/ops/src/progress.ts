export interface ProgressCounts {
  done: number;
  total: number;
  [label: string]: number;
}

export interface OutputStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressBar {
  update(counts: ProgressCounts): void;
  finish(counts: ProgressCounts): void;
}

function describe(counts: ProgressCounts): string {
  return Object.entries(counts)
    .filter(([label]) => label !== "done" && label !== "total")
    .map(([label, value]) => `${label} ${value}`)
    .join(" ");
}

/**
 * A progress bar for long runs: one line redrawn in place on a terminal
 * (`[#####-----] 120/240 sent 118 skipped 1 invalid 1`); on anything else (a pipe, a CI log) a
 * plain line every tenth of the way.
 */
export function progressBar(stream: OutputStream, options: { width?: number } = {}): ProgressBar {
  const width = options.width ?? 30;
  let lastStep = -1;
  const bar = (counts: ProgressCounts) => {
    const filled = counts.total === 0 ? width : Math.round((counts.done / counts.total) * width);
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${counts.done}/${counts.total} ${describe(counts)}`;
  };
  return {
    update(counts) {
      if (stream.isTTY) {
        stream.write(`\r${bar(counts)}\u001b[K`);
        return;
      }
      const step = counts.total === 0 ? 10 : Math.floor((counts.done / counts.total) * 10);
      if (step > lastStep && counts.done < counts.total) {
        lastStep = step;
        stream.write(`${counts.done}/${counts.total} ${describe(counts)}\n`);
      }
    },
    finish(counts) {
      if (stream.isTTY) stream.write(`\r${bar(counts)}\u001b[K\n`);
      else stream.write(`${counts.done}/${counts.total} ${describe(counts)}\n`);
    },
  };
}
