// Replay compatibility: orchestrations that are running when a new version is deployed are
// replayed by the new code from the history the old code wrote. Every recorded episode of every
// recorded path is replayed through durable-functions' own executor with today's orchestrator; it
// must answer exactly as it did when recorded: the same actions with the same inputs and timer
// times, the same status and output. A failure here means open orchestrations would break.
import { describe, expect, it } from "vitest";
import { runOrchestrator, episodeAnswer } from "../../../dev/durable/engine.js";
import { createExecutor } from "../../../dev/durable/sdk.js";
import { WINDOW_ORCHESTRATOR } from "../../../src/workflow/contracts.js";
import { emergencyWindowOrchestrator } from "../../../src/workflow/window/story.js";
import { episodeHistory, loadRecordedPaths, recordedAnswer, RECORDED_PATHS } from "../../support/histories.js";

const executors = { [WINDOW_ORCHESTRATOR]: createExecutor(emergencyWindowOrchestrator) };
const recorded = loadRecordedPaths();

describe("replay compatibility of recorded window orchestrations", () => {
  it("has a recorded history for every path", () => {
    expect(recorded.map((path) => path.path).sort()).toEqual([...RECORDED_PATHS].sort());
    for (const path of recorded) expect(path.executions.length, path.path).toBeGreaterThan(0);
    const continued = recorded.find((path) => path.path === "lockdown-failed-continue-as-new")!;
    expect(continued.executions.length).toBeGreaterThan(1);
  });

  it.each(recorded.map((path) => [path.path, path] as const))(
    "%s replays without non-determinism",
    async (_name, path) => {
      for (const execution of path.executions) {
        const executor = executors[execution.name as keyof typeof executors];
        expect(executor, `no orchestrator named ${execution.name}`).toBeDefined();
        for (const [index, episode] of execution.episodes.entries()) {
          const state = await runOrchestrator(executor, {
            name: execution.name,
            instanceId: execution.instanceId,
            input: execution.input,
            history: episodeHistory(execution, episode.historyLength),
          });
          expect(episodeAnswer(state), `${path.path}: execution ${execution.execution}, episode ${index}`).toEqual(
            recordedAnswer(execution, episode),
          );
        }
      }
    },
  );
});
