// One recorded path of a window orchestration: a request made through the API, driven by the
// actions and clock of a test, its orchestrator's episodes recorded for the replay-compatibility
// test (test/unit/workflow/replay.test.ts), and saved as a fixture when RECORD_HISTORIES is set.
import { expect } from "vitest";
import type { RequestAction } from "../../src/ports/workflowClient.js";
import { REQUEST_ACTION_EVENT, WINDOW_ORCHESTRATOR } from "../../src/workflow/contracts.js";
import { createHarness, USERS, WEU, type Harness, type HarnessOptions, type UserName } from "./harness.js";
import { HistoryRecorder, type RecordedPathName } from "./histories.js";

type PathName = RecordedPathName;

export interface PathRun {
  readonly h: Harness;
  readonly id: string;
  readonly act: (type: "approve" | "close", as: UserName) => Promise<void>;
  readonly deny: (as: UserName, reason?: string) => Promise<void>;
  readonly extend: (as: UserName, duration: string) => Promise<void>;
  readonly raw: (payload: unknown) => Promise<void>;
}

/**
 * `tagged`: every action carries an id, as the API has sent them since actions got receipts
 * (the older paths send them as earlier versions of the API did, without). Evidence is off (the
 * harness's default) unless the path turns it on: the paths recorded before it were started without a plan.
 */
/** `path`: the recorded path the run is, or null for a run that is not recorded. */
export async function runPath(
  path: PathName | null,
  options: HarnessOptions & { duration?: string; tagged?: boolean },
  drive: (run: PathRun) => Promise<void>,
) {
  const recorder = new HistoryRecorder(WINDOW_ORCHESTRATOR);
  const h = await createHarness({ ...options, onEpisode: recorder.onEpisode });
  const created = await h.call(h.app.api.createRequest, {
    as: "alice",
    json: { cluster: WEU, justification: "Entra ID outage", ticket: "INC-7", duration: options.duration ?? "PT1H" },
  });
  expect(created.status).toBe(202);
  const id = (created.body as { id: string }).id;
  let sent = 0;
  const tag = () => (options.tagged ? { id: `act-${(++sent).toString(16).padStart(16, "0")}` } : {});
  const send = (action: RequestAction) =>
    h.engine.raiseEvent(id, REQUEST_ACTION_EVENT, { ...action, ...tag() }).then(() => undefined);
  const actor = (as: UserName) => ({ oid: USERS[as].oid, upn: USERS[as].upn, displayName: USERS[as].displayName });
  const now = () => h.clock.date().toISOString();
  await drive({
    h,
    id,
    act: (type, as) => send({ type, actor: actor(as), at: now() }),
    deny: (as, reason) => send({ type: "deny", actor: actor(as), at: now(), ...(reason ? { reason } : {}) }),
    extend: (as, duration) => send({ type: "extend", actor: actor(as), at: now(), duration }),
    raw: (payload) => h.engine.raiseEvent(id, REQUEST_ACTION_EVENT, payload).then(() => undefined),
  });
  if (path) recorder.saveIfAsked(path);
  return { h, id };
}

export async function ended(h: Harness, id: string) {
  expect(h.engine.getStatus(id)?.runtimeStatus).toBe("Completed");
  return (await h.app.requests.get(id))!;
}
