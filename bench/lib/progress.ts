/**
 * The progress line of a running part, on stderr: rewritten in place on a terminal; elsewhere
 * (a CI log) printed when it changes, at most every few seconds.
 */
export class Progress {
  private readonly started = performance.now();
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastPrinted = 0;
  private shown = false;

  constructor(private readonly name: string) {}

  private prefix() {
    const seconds = Math.floor((performance.now() - this.started) / 1000);
    return `[${this.name} ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}]`;
  }

  update(line: string) {
    const text = `${this.prefix()} ${line}`;
    if (this.tty) {
      const width = process.stderr.columns || 120;
      process.stderr.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
      this.shown = true;
      return;
    }
    const now = performance.now();
    if (now - this.lastPrinted < 3000) return;
    this.lastPrinted = now;
    process.stderr.write(`${text}\n`);
  }

  log(line: string) {
    if (this.tty && this.shown) process.stderr.write("\r\x1b[2K");
    process.stderr.write(`${line}\n`);
    this.shown = false;
  }

  done() {
    if (this.tty && this.shown) process.stderr.write("\r\x1b[2K");
    this.shown = false;
  }
}
