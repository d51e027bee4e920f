// GET /api/health: whether each dependency is reachable and lets the app do its job, so that a
// deployment can be checked in one call. Anyone may call it, so it says what works and a short
// error code, never messages (they can carry URLs and names), and it answers from a cache so
// that it cannot be used to spend the app's ARM and Graph quotas.
import type { OutcomeCode } from "../domain/codes.js";
import { API_VERSION } from "../domain/apiVersion.js";
import type { Mode } from "../domain/modes.js";
import { TransientError } from "../ports/errors.js";

export interface HealthCheck {
  readonly name: string;
  /** Resolves with a short, non-sensitive detail; rejects when the dependency does not work. */
  readonly run: () => Promise<string | undefined>;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
  readonly code?: OutcomeCode;
}

export interface HealthReport {
  readonly status: "ok" | "degraded";
  readonly mode: Mode;
  /** The HTTP API's contract version, for clients to check (docs/design.md §4). */
  readonly api: number;
  readonly checks?: Readonly<Record<string, CheckResult>>;
}

/** A check's own finding; its message is written to be shown to anyone. */
export class HealthProblem extends Error {
  constructor(
    readonly code: OutcomeCode,
    message: string,
  ) {
    super(message);
  }
}

const CHECK_TIMEOUT_MS = 10_000;
const CACHE_MS = 30_000;

export class HealthMonitor {
  private cached: { at: number; report: Promise<HealthReport> } | undefined;

  constructor(
    private readonly mode: Mode,
    private readonly checks: readonly HealthCheck[],
    private readonly now: () => Date,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  report(): Promise<HealthReport> {
    const now = this.now().getTime();
    if (!this.cached || now - this.cached.at >= CACHE_MS) this.cached = { at: now, report: this.run() };
    return this.cached.report;
  }

  private async run(): Promise<HealthReport> {
    if (this.checks.length === 0) return { status: "ok", mode: this.mode, api: API_VERSION };
    const results = await Promise.all(
      this.checks.map(async (check) => [check.name, await this.runOne(check)] as const),
    );
    return {
      status: results.every(([, result]) => result.ok) ? "ok" : "degraded",
      mode: this.mode,
      api: API_VERSION,
      checks: Object.fromEntries(results),
    };
  }

  private async runOne(check: HealthCheck): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new HealthProblem("TIMEOUT", `${check.name} did not answer in time`)),
          CHECK_TIMEOUT_MS,
        );
      });
      const detail = await Promise.race([check.run(), timeout]);
      return detail === undefined ? { ok: true } : { ok: true, detail };
    } catch (error) {
      this.log(`health check ${check.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      const code = error instanceof HealthProblem || error instanceof TransientError ? error.code : "FAILED";
      return { ok: false, code, ...(error instanceof HealthProblem ? { detail: error.message } : {}) };
    } finally {
      clearTimeout(timer);
    }
  }
}
