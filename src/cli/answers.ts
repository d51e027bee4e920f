// The shapes of the API's answers that the command reads (docs/design.md §4), checked as they
// arrive: a server of another version, or something else listening on the port, is said in one line
// instead of surfacing later as "cannot read properties of undefined".
import { z } from "zod";
import { isActionId, isRequestId } from "../domain/ids.js";
import { REQUEST_STATUSES } from "../domain/lifecycle.js";
import { CliFailure, EXIT } from "./exits.js";

// Ids are printed and put into URLs and command lines: only well-formed ones are taken.
const requestId = z.string().refine(isRequestId, "not a request id");
const actionId = z.string().refine(isActionId, "not an action id");

const person = z.object({ oid: z.string(), upn: z.string(), displayName: z.string() });
const outcome = z.object({ code: z.string(), message: z.string(), by: person.optional(), at: z.string() });

export const actionAnswer = z.object({
  id: requestId,
  status: z.string().optional(),
  action: z.object({ id: actionId, result: z.enum(["pending", "counted"]) }),
});

const lastAction = z.object({
  actor: person,
  id: actionId,
  type: z.string(),
  at: z.string(),
  result: z.enum(["pending", "counted", "ignored"]),
  code: z.string().optional(),
  message: z.string().optional(),
});

export const requestAnswer = z.object({
  id: requestId,
  cluster: z.string(),
  clusterName: z.string(),
  requester: person,
  justification: z.string(),
  ticket: z.string(),
  duration: z.string(),
  requestedAt: z.string(),
  approvalDeadline: z.string(),
  requiredApprovals: z.number(),
  status: z.enum(REQUEST_STATUSES),
  approvals: z.array(z.object({ approver: person, at: z.string() })),
  window: z.object({ openedAt: z.string(), closesAt: z.string(), closedAt: z.string().nullable() }).nullable(),
  extension: z.object({ duration: z.string(), status: z.string() }).loose().nullable(),
  outcome: outcome.nullable(),
  actions: z.array(lastAction).optional(),
});
export type RequestAnswer = z.infer<typeof requestAnswer>;

export const clustersAnswer = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    // "unknown" when the app could not read the cluster: the other clusters are still worth showing.
    localAccounts: z.enum(["enabled", "disabled", "unknown"]),
    openWindows: z.array(z.object({ requestId, closesAt: z.string() })),
  }),
);
export type ClustersAnswer = z.infer<typeof clustersAnswer>;

export const healthAnswer = z.object({
  status: z.string(),
  mode: z.enum(["azure", "simulation"]),
  api: z.number().optional(),
});

export const devTokenAnswer = z.object({ access_token: z.string(), expires_in: z.number() });

/** The body read as `schema` says, or the failure of a server that does not answer as this version expects. */
export function read<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` (at ${issue.path.join(".")})` : "";
  throw new CliFailure(
    EXIT.error,
    `${what}: the server's answer is not what this breakglass expects${where} (a server of another version?)`,
  );
}
