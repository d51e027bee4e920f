// `request --wait` and `status --wait`: follow a request until its window opens or it cannot, and
// leave it as it is when the person stops waiting (docs/design.md §9).
import { durationInWords } from "../domain/humanTime.js";
import { requestAnswer, read, type RequestAnswer } from "./answers.js";
import type { ApiClient } from "./client.js";
import { CliFailure, EXIT, Interrupted, type ExitCode } from "./exits.js";
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

export async function fetchRequest(client: ApiClient, id: string, signal?: AbortSignal): Promise<RequestAnswer> {
  const path = `/api/requests/${encodeURIComponent(id)}`;
  const answer = await client.call("GET", path, { retry: "transient", ...(signal ? { signal } : {}) });
  return read(requestAnswer, answer.body, `GET ${path}`);
}

/**
 * How long past its approval deadline a request may still read `pending-approval` — the workflow's
 * timer and its status write take seconds — before waiting for it is given up as a stuck workflow.
 */
const DEADLINE_GRACE_MS = 2 * 60_000;

/** How to pick a request up again, for whoever stops following it. */
export function followUp(view: RequestAnswer): string {
  return `${view.id} is ${view.status} and stays as it is.\n  follow it:   breakglass status ${view.id} --wait\n  withdraw it: breakglass close ${view.id}`;
}

/** Ctrl-C while waiting: aborts the call or the sleep in progress, and says so. */
function interruptible(terminal: Terminal) {
  const controller = new AbortController();
  const stop = terminal.onInterrupt(() => controller.abort());
  const { signal } = controller;
  return {
    signal,
    async sleep(ms: number) {
      if (signal.aborted) return;
      const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      await Promise.race([terminal.sleep(ms), aborted]);
    },
    stop,
  };
}

/** Why waiting ends before the request decides itself: --timeout, or a decision that never came. */
function givenUp(view: RequestAnswer, waited: number, now: Date, settings: WaitSettings): string | undefined {
  if (settings.timeoutMs !== undefined && waited >= settings.timeoutMs)
    return `still ${view.status} after ${durationInWords(settings.timeoutMs)}`;
  const overdue = now.getTime() - Date.parse(view.approvalDeadline) - DEADLINE_GRACE_MS;
  if (view.status === "pending-approval" && overdue > 0)
    return "still pending-approval well past its approval deadline: its workflow may be stuck (tell the platform team)";
  return undefined;
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
      const why = givenUp(view, waited, terminal.now(), settings);
      if (why) return { view, exitCode: EXIT.expired, message: `${why}: ${followUp(view)}` };
      await pause.sleep(
        settings.timeoutMs === undefined ? settings.pollMs : Math.min(settings.pollMs, settings.timeoutMs - waited),
      );
      const next = pause.signal.aborted ? undefined : await poll(client, view, pause.signal);
      if (!next) return { view, exitCode: EXIT.interrupted, message: `stopped waiting: ${followUp(view)}` };
      view = next;
    }
  } finally {
    pause.stop();
    progress.clear();
  }
}

/** The request again; undefined when Ctrl-C abandoned the call. A failure says how to pick it up. */
async function poll(client: ApiClient, view: RequestAnswer, signal: AbortSignal): Promise<RequestAnswer | undefined> {
  try {
    return await fetchRequest(client, view.id, signal);
  } catch (error) {
    if (error instanceof Interrupted) return undefined;
    if (!(error instanceof CliFailure)) throw error;
    throw new CliFailure(error.exitCode, `${error.message}\n${followUp(view)}`, error.code);
  }
}
