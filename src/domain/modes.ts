/** Where the app runs: against Azure, or against the simulated world on local storage. */
export const MODES = ["azure", "simulation"] as const;
export type Mode = (typeof MODES)[number];

/** What the watchdog does when it finds local accounts enabled without an open window. */
export const DRIFT_ACTIONS = ["alert", "relock"] as const;
export type DriftAction = (typeof DRIFT_ACTIONS)[number];
