// What `breakglass` exits with (docs/design.md §9): scripts branch on it, so every way a command
// ends is one of these, and a failure is one line on stderr saying what happened and what to do.

export const EXIT = {
  /** Done; with --wait, the window is open. */
  done: 0,
  error: 1,
  usage: 2,
  denied: 3,
  /** The request expired, its window ended before it was seen open, or --timeout was reached. */
  expired: 4,
  /** 401 or 403: not signed in, or signed in as someone who may not do this. */
  notAllowed: 5,
  /** Ctrl-C: the shell's own convention for a command stopped by SIGINT. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command's end that is not success: the line to print, the exit status, and the server's code if it gave one. */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly code?: string,
    /** With --json: what the command knows, put into the failure's one JSON document (e.g. the request). */
    readonly document?: unknown,
  ) {
    super(message);
  }
}

export const usage = (message: string): CliFailure => new CliFailure(EXIT.usage, message);

/** Ctrl-C during a call: the call was abandoned, and the command ends as the person asked. */
export class Interrupted extends Error {}
