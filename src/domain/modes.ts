// The closed sets of the two settings that change what features do: how the app runs, and what the
// watchdog does about drift.

/** BREAKGLASS_MODE: against Azure, or against the embedded simulation. */
export const MODES = ["azure", "simulation"] as const;
export type Mode = (typeof MODES)[number];

/** BREAKGLASS_DRIFT_ACTION: what the watchdog does about local accounts enabled with no window open. */
export const DRIFT_ACTIONS = ["alert", "relock"] as const;
export type DriftAction = (typeof DRIFT_ACTIONS)[number];
