// Recorded orchestration histories, for the replay-compatibility test. An orchestration that is
// running in production when a new version is deployed is replayed by the new code from the
// history the old code wrote; the new code must make exactly the same decisions. A fixture keeps,
// for each execution of one recorded run, its whole history and what the orchestrator answered at
// each episode (the history up to that episode's start is a prefix of the whole one).
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { EpisodeAnswer, EpisodeRecord } from "../../dev/durable/engine.js";
import { EventType, type HistoryEvent } from "../../dev/durable/sdk.js";

export const HISTORIES_DIR = join(import.meta.dirname, "..", "fixtures", "histories");

/** The paths the replay-compatibility test requires a recorded history for. */
export const RECORDED_PATHS = [
  "deadline",
  "early-close",
  "denied",
  "expired",
  "withdrawn",
  "two-approvals",
  "extension",
  "extension-refused",
  "lockdown-failed-continue-as-new",
  "requester-ineligible",
  "enable-refused",
  "enable-retried",
  "malformed-event",
  "workflow-error",
  "notification-failed",
  "storage-outage-after-open",
  "tagged-window",
  "tagged-denied",
  "tagged-withdrawn",
  "evidence-collected",
  "evidence-unavailable",
  "evidence-unsettled",
  "evidence-throttled",
] as const;

export type RecordedPathName = (typeof RECORDED_PATHS)[number];

export interface RecordedExecution {
  readonly name: string;
  readonly instanceId: string;
  readonly execution: number;
  readonly input: unknown;
  readonly history: readonly HistoryEvent[];
  /** Every action of the execution; each episode's actions are the first `actionCount` of them. */
  readonly actions: readonly string[];
  readonly episodes: readonly RecordedEpisode[];
}

export interface RecordedEpisode extends Omit<EpisodeAnswer, "actions"> {
  readonly historyLength: number;
  readonly actionCount: number;
}

export interface RecordedPath {
  readonly path: string;
  readonly executions: readonly RecordedExecution[];
}

/** Collects the episodes of every orchestration of one run, grouped by instance and execution. */
export class HistoryRecorder {
  private readonly executions = new Map<string, { record: EpisodeRecord; episodes: RecordedEpisode[] }>();

  constructor(private readonly orchestrator: string) {}

  readonly onEpisode = (episode: EpisodeRecord): void => {
    if (episode.name !== this.orchestrator) return;
    const key = `${episode.instanceId}#${episode.execution}`;
    const entry = this.executions.get(key) ?? { record: episode, episodes: [] };
    entry.record = episode; // the latest history is the longest: every earlier one is a prefix of it
    const { actions, ...answer } = episode.answer;
    entry.episodes.push({ historyLength: episode.history.length, actionCount: actions.length, ...answer });
    this.executions.set(key, entry);
  };

  recorded(path: string): RecordedPath {
    const executions = [...this.executions.values()].map(({ record, episodes }) => ({
      name: record.name,
      instanceId: record.instanceId,
      execution: record.execution,
      input: record.input,
      history: record.history.map((event) => ({ ...event, IsPlayed: false })),
      actions: record.answer.actions,
      episodes,
    }));
    return { path, executions };
  }

  /** Writes the fixture when RECORD_HISTORIES is set (to record the paths anew, on purpose). */
  saveIfAsked(path: string): void {
    if (!process.env.RECORD_HISTORIES) return;
    mkdirSync(HISTORIES_DIR, { recursive: true });
    writeFileSync(join(HISTORIES_DIR, `${path}.json`), `${JSON.stringify(this.recorded(path))}\n`);
  }
}

export function loadRecordedPaths(): RecordedPath[] {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(HISTORIES_DIR, file), "utf8")) as RecordedPath);
}

/**
 * The history one episode was given: the recorded prefix, with the events of earlier episodes
 * marked as played, as the extension sends them.
 */
export function episodeHistory(execution: RecordedExecution, historyLength: number): HistoryEvent[] {
  const prefix = execution.history.slice(0, historyLength);
  const started = prefix.map((event) => event.EventType).lastIndexOf(EventType.OrchestratorStarted);
  return prefix.map((event, index) => ({ ...event, IsPlayed: index < started }));
}

/** What the orchestrator answered to that episode when it was recorded. */
export function recordedAnswer(execution: RecordedExecution, episode: RecordedEpisode): EpisodeAnswer {
  const { historyLength: _length, actionCount, ...answer } = episode;
  return { actions: execution.actions.slice(0, actionCount), ...answer };
}
