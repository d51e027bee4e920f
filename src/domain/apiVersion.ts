// The version of the HTTP API's contract (docs/design.md §4) that GET /api/health announces, so that
// a `breakglass` command built against another contract says so in one line instead of misreading
// answers. It changes only when a route or a shape the command relies on changes incompatibly.
export const API_VERSION = 1;
