// `request --wait` and `status --wait`: follow a request until its window opens or it cannot, and
// leave it as it is when the person stops waiting (docs/design.md §9).
import { durationInWords } from "../domain/humanTime.js";
import { requestAnswer, read, type RequestAnswer } from "./answers.js";
import type { ApiClient } from "./client.js";
import { CliFailure, EXIT, type ExitCode } from "./exits.js";
import { progressLine, type Terminal } from "./terminal.js";
import { progressText, waitEnding } from "./views.js";

export interface WaitSettings {
  /** Give up after this long (exit 4); undefined waits until the request decides itself. */
  readonly timeoutMs: number | undefined;
  readonly pollMs: number;
}

export interface WaitResult {
  readonly view: RequestAnswer;
  readonly exitCode: ExitCode;
  /** What to say when it is not open; empty when it is. */
  readonly message: string;
}

const SPINNER = ["|", "/", "-", "\\"] as const;

export async function fetchRequest(client: ApiClient, id: string): Promise<RequestAnswer> {
  const answer = await client.call("GET", `/api/requests/${encodeURIComponent(id)}`, { retry: "transient" });
  return read(requestAnswer, answer.body, `GET /api/requests/${id}`);
}

/** How to pick a request up again, for whoever stops following it. */
export function followUp(view: RequestAnswer): string {
  return `${view.id} is ${view.status} and stays as it is.\n  follow it:   breakglass status ${view.id} --wait\n  withdraw it: breakglass close ${view.id}`;
}

/** A sleep that a Ctrl-C cuts short. */
function interruptible(terminal: Terminal) {
  let interrupted = false;
  let wake: (() => void) | undefined;
  const stop = terminal.onInterrupt(() => {
    interrupted = true;
    wake?.();
  });
  return {
    get interrupted() {
      return interrupted;
    },
    async sleep(ms: number) {
      if (interrupted) return;
      await Promise.race([terminal.sleep(ms), new Promise<void>((resolve) => (wake = resolve))]);
    },
    stop,
  };
}

export async function waitForOpen(
  client: ApiClient,
  first: RequestAnswer,
  terminal: Terminal,
  settings: WaitSettings,
): Promise<WaitResult> {
  const startedAt = terminal.now().getTime();
  const progress = progressLine(terminal);
  const pause = interruptible(terminal);
  let view = first;
  try {
    for (let round = 0; ; round++) {
      const ending = waitEnding(view);
      if (ending) return { view, ...ending };
      const spinner = terminal.interactive ? `${SPINNER[round % SPINNER.length]} ` : "";
      progress.show(
        `${spinner}${view.id}: ${progressText(view, terminal.now())}`,
        `${view.status}:${view.approvals.length}`,
      );
      const waited = terminal.now().getTime() - startedAt;
      if (settings.timeoutMs !== undefined && waited >= settings.timeoutMs)
        return {
          view,
          exitCode: EXIT.expired,
          message: `still ${view.status} after ${durationInWords(settings.timeoutMs)}: ${followUp(view)}`,
        };
      await pause.sleep(
        settings.timeoutMs === undefined ? settings.pollMs : Math.min(settings.pollMs, settings.timeoutMs - waited),
      );
      if (pause.interrupted) return { view, exitCode: EXIT.interrupted, message: `stopped waiting: ${followUp(view)}` };
      view = await fetchRequest(client, view.id).catch((error: unknown) => {
        if (!(error instanceof CliFailure)) throw error;
        throw new CliFailure(error.exitCode, `${error.message}\n${followUp(view)}`, error.code);
      });
    }
  } finally {
    pause.stop();
    progress.clear();
  }
}
