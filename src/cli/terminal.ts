// The command's view of the process it runs in, so that commands are tested with a fake clock,
// captured output and a Ctrl-C at the moment a test chooses.
import { neutralise } from "../domain/userText.js";

export interface Terminal {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal that can redraw a line; without one, no control codes are written. */
  readonly interactive: boolean;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Calls back on Ctrl-C (SIGINT) until the returned function is called. */
  readonly onInterrupt: (handler: () => void) => () => void;
}

/** Carriage return and "erase the line": the line is redrawn in place. */
const REDRAW = "\r\u001b[2K";

/** A progress line: redrawn in place on a terminal; elsewhere written once per change of `key`. */
export function progressLine(terminal: Terminal) {
  let lastKey: string | undefined;
  let drawn = false;
  return {
    show(text: string, key: string): void {
      if (terminal.interactive) {
        terminal.err(`${REDRAW}${text}`);
        drawn = true;
      } else if (key !== lastKey) terminal.err(`${text}\n`);
      lastKey = key;
    },
    /** Leaves the terminal's line empty for what is printed next. */
    clear(): void {
      if (drawn) terminal.err(REDRAW);
      drawn = false;
    },
  };
}

/**
 * The terminal with everything written to it made inert (docs/design.md §8.9) but the command's own
 * redraw code: whatever a server or a person put into a field, nothing printed can move the cursor,
 * retitle the window or clear the screen.
 */
export function inertTerminal(terminal: Terminal): Terminal {
  const printable = (text: string) =>
    text
      .split(REDRAW)
      .map((part) => neutralise(part, "text"))
      .join(REDRAW);
  return { ...terminal, out: (text) => terminal.out(printable(text)), err: (text) => terminal.err(printable(text)) };
}
