// Simulation-only routes (docs/design.md §6). They are registered only in simulation mode, which
// refuses to run in Azure: they hand out tokens for the simulated directory's users and let a
// developer change the simulated world the way things change in the real one.
import type { HttpRequest } from "@azure/functions";
import { z } from "zod";
import { ARM_ACTION_NAMES } from "../domain/armActions.js";
import { type ManagedCluster } from "../domain/clusters.js";
import type { ChangeAuthor } from "../domain/groups.js";
import { isObjectId, isRequestId } from "../domain/ids.js";
import { returnPath } from "../domain/returnPaths.js";
import type { ActivityLogReader } from "../ports/activityLog.js";
import type { DirectoryGroup, DirectoryUser } from "../ports/directory.js";
import {
  SIMULATION_CHANGE_AUTHOR,
  type FaultOperation,
  type SimulatedActivityRecorder,
  type SimulatedClusterEditor,
  type SimulatedDirectoryEditor,
  type SimulatedKubeAuditRecorder,
  type SimulatedOutbox,
  type SimulatedSignIn,
} from "../ports/simulation.js";
import { authenticate, type VerifyToken } from "./authentication.js";
import { readJsonBody } from "./body.js";
import { addClusterHandler } from "./devClusters.js";
import { kubectlHandler } from "./devKubectl.js";
import { API_HEADERS, ApiError, jsonResponse } from "./errors.js";
import { endpoint, type HttpHandler } from "./handler.js";

export interface DevDependencies {
  readonly directory: SimulatedDirectoryEditor;
  readonly clusterControl: SimulatedClusterEditor;
  readonly activityLog: SimulatedActivityRecorder & Pick<ActivityLogReader, "adminCredentialFetches">;
  readonly kubeAudit: SimulatedKubeAuditRecorder;
  readonly outbox: SimulatedOutbox;
  readonly tokens: SimulatedSignIn;
  readonly verifyToken: VerifyToken;
  readonly now: () => Date;
}

/** The browser session cookie set by /api/dev/login (simulation's stand-in for App Service Authentication). */
export const DEV_SESSION_COOKIE = "breakglass_session";

const userBody = z.object({ user: z.string().trim().min(1).max(256) }).strict();
const localAccountsBody = z.object({ enabled: z.boolean() }).strict();
const permissionBody = z
  .object({
    action: z.string().refine((action) => ARM_ACTION_NAMES.includes(action), {
      message: `must be one of ${ARM_ACTION_NAMES.join(", ")}`,
    }),
    granted: z.boolean(),
  })
  .strict();
const emergencyRoleBody = z.object({ assigned: z.boolean() }).strict();
const auditLogsBody = z.object({ enabled: z.boolean() }).strict();
const FAULT_OPERATIONS = ["enable", "disable", "rotate", "logs"] as const satisfies readonly FaultOperation[];
const faultBody = z
  .object({
    operation: z.enum(FAULT_OPERATIONS),
    status: z
      .number()
      .int()
      .refine((status) => [400, 404, 409, 412, 429].includes(status) || (status >= 500 && status <= 599), {
        message: "must be one of 400, 404, 409, 412, 429 or 5xx",
      }),
    count: z.number().int().min(0).max(1000).default(1),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict()
  // A query fails only as Log Analytics fails one that a later query may answer: throttled or down.
  .refine(({ operation, status }) => operation !== "logs" || status === 429 || status >= 500, {
    path: ["status"],
    message: "a logs fault must be 429 or 5xx",
  });

export function createDevHandlers(deps: DevDependencies) {
  return {
    /** A token for a simulated user, named by UPN (alice@contoso.dev) or object id. */
    devToken: endpoint(async (request) => {
      const { user } = await readJsonBody(request, userBody);
      return jsonResponse(200, await deps.tokens.issue(await findUser(deps, user), deps.now()));
    }),
    devLogin: endpoint(devLoginHandler(deps)),
    /** Every notification sent so far, oldest first; `?requestId=` narrows to one request. */
    devOutbox: endpoint(async (request) => {
      const requestId = request.query.get("requestId") ?? undefined;
      if (requestId !== undefined && !isRequestId(requestId))
        throw new ApiError(400, "INVALID_REQUEST", "requestId: not a request id");
      return jsonResponse(200, await deps.outbox.list(requestId));
    }),
    devAddMember: endpoint(async (request) => {
      const { user } = await readJsonBody(request, userBody);
      const group = await findGroup(deps, request);
      const { oid } = await findUser(deps, user);
      await deps.directory.addMember(group.id, oid, await changeAuthor(deps, request), deps.now());
      return jsonResponse(200, await membership(deps, group));
    }),
    devRemoveMember: endpoint(async (request) => {
      const group = await findGroup(deps, request);
      const { oid } = await findUser(deps, request.params.user ?? "");
      await deps.directory.removeMember(group.id, oid, await changeAuthor(deps, request), deps.now());
      return jsonResponse(200, await membership(deps, group));
    }),
    /** What the simulated ARM and Resource Graph were asked by this process (the benchmark counts the watchdog's calls). */
    devCalls: endpoint(async () => jsonResponse(200, { ...deps.clusterControl.calls })),
    /** One more simulated cluster in the simulated subscription, locked (fleet tests; tags for BREAKGLASS_CLUSTER_TAG). */
    devAddCluster: endpoint(addClusterHandler(deps)),
    /** An out-of-band change, as if someone ran `az aks update --enable-local-accounts` by hand. */
    devSetLocalAccounts: endpoint(async (request) => {
      const { enabled } = await readJsonBody(request, localAccountsBody);
      const cluster = await findCluster(deps, request);
      await deps.clusterControl.setLocalAccountsOutOfBand(cluster, enabled);
      return jsonResponse(200, { cluster: cluster.id, localAccounts: enabled ? "enabled" : "disabled" });
    }),
    devAdminCredentials: endpoint(adminCredentialsHandler(deps)),
    /** A call made with an admin kubeconfig (devKubectl.ts). */
    devKubectl: endpoint(kubectlHandler(deps, (request) => findCluster(deps, request))),
    /** Makes the next `count` operations of a kind on the cluster fail with `status`. */
    devInjectFault: endpoint(async (request) => {
      const fault = await readJsonBody(request, faultBody);
      const cluster = await findCluster(deps, request);
      await deps.clusterControl.injectFault(cluster, fault);
      return jsonResponse(200, { cluster: cluster.id, fault });
    }),
    /** The app's identity loses or regains one ARM action on the cluster, as a role clean-up would do. */
    devSetPermission: endpoint(async (request) => {
      const { action, granted } = await readJsonBody(request, permissionBody);
      const cluster = await findCluster(deps, request);
      await deps.clusterControl.setAppPermission(cluster, action, granted);
      return jsonResponse(200, await factsBody(deps, cluster));
    }),
    /** The emergency group loses or regains Azure Kubernetes Service Cluster Admin Role on the cluster. */
    devSetEmergencyRole: endpoint(async (request) => {
      const { assigned } = await readJsonBody(request, emergencyRoleBody);
      const cluster = await findCluster(deps, request);
      await deps.clusterControl.setEmergencyRole(cluster, assigned);
      return jsonResponse(200, await factsBody(deps, cluster));
    }),
    /** The kube-audit diagnostic setting of the cluster, switched on or off. */
    devSetAuditLogs: endpoint(async (request) => {
      const { enabled } = await readJsonBody(request, auditLogsBody);
      const cluster = await findCluster(deps, request);
      await deps.clusterControl.setKubeAudit(cluster, enabled);
      return jsonResponse(200, await factsBody(deps, cluster));
    }),
  };
}

/** Browser sign-in: sets the session cookie, then goes back to a page of this app. */
function devLoginHandler(deps: DevDependencies): HttpHandler {
  return async (request) => {
    const returnTo = request.query.get("returnTo");
    // Resolved against the URL the browser asked for, as the browser will resolve the Location.
    const location = returnTo === null ? undefined : returnPath(returnTo, new URL(request.url).origin);
    if (returnTo !== null && location === undefined) {
      throw new ApiError(
        400,
        "INVALID_RETURN_TO",
        "returnTo must be a path of this app: starting with a single /, in printable ASCII (percent-encode the rest)",
      );
    }
    const user = await findUser(deps, request.query.get("user") ?? "");
    const token = await deps.tokens.issue(user, deps.now());
    const cookie = {
      name: DEV_SESSION_COOKIE,
      value: token.access_token,
      path: "/",
      httpOnly: true,
      sameSite: "Lax" as const,
      maxAge: token.expires_in,
    };
    if (location) return { status: 302, headers: { ...API_HEADERS, Location: location }, cookies: [cookie] };
    return {
      status: 200,
      headers: { ...API_HEADERS, "Content-Type": "text/plain; charset=utf-8" },
      cookies: [cookie],
      body: `Signed in as ${user.displayName} (${user.upn}) for ${token.expires_in / 60} minutes.\n`,
    };
  };
}

/**
 * What `az aks get-credentials --admin` does: refused without the Cluster Admin role (ARM checks
 * the role before the cluster looks at its local accounts), refused while local accounts are
 * disabled, else logged.
 */
function adminCredentialsHandler(deps: DevDependencies): HttpHandler {
  return async (request) => {
    const caller = await authenticate(request, deps.verifyToken);
    const cluster = await findCluster(deps, request);
    const read = await deps.clusterControl.read(cluster);
    if (read.kind === "not-found") throw new ApiError(404, "UNKNOWN_CLUSTER", `cluster ${cluster.name} does not exist`);
    if ((await deps.clusterControl.facts(cluster))?.emergencyRoleAssigned !== true) {
      throw new ApiError(
        403,
        "EMERGENCY_ROLE_MISSING",
        `the emergency group does not hold Azure Kubernetes Service Cluster Admin Role on ${cluster.name} (AuthorizationFailed for Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action)`,
      );
    }
    if (read.state.localAccounts === "disabled") {
      throw new ApiError(
        400,
        "LOCAL_ACCOUNTS_DISABLED",
        "Getting static credential is not allowed because this cluster is set to disable local accounts.",
      );
    }
    await deps.activityLog.recordAdminCredentialFetch(cluster, caller.upn || caller.oid, deps.now());
    return jsonResponse(200, { cluster: cluster.id, kubeconfig: simulatedKubeconfig(cluster) });
  };
}

async function findUser(deps: DevDependencies, name: string): Promise<DirectoryUser> {
  // Named by UPN or by object id; anything else names nobody (and would be no valid storage key).
  const user = name.includes("@")
    ? await deps.directory.findUserByUpn(name)
    : isObjectId(name)
      ? await deps.directory.getUser(name)
      : undefined;
  if (!user) throw new ApiError(404, "UNKNOWN_USER", `the simulated directory has no user ${name}`);
  return user;
}

async function findGroup(deps: DevDependencies, request: HttpRequest): Promise<DirectoryGroup> {
  const name = request.params.group ?? "";
  const group = await deps.directory.findGroup(name);
  if (!group) throw new ApiError(404, "UNKNOWN_GROUP", `the simulated directory has no group ${name}`);
  return group;
}

/** A cluster's simulated facts, as the dev routes that change them answer. */
async function factsBody(deps: DevDependencies, cluster: ManagedCluster) {
  const facts = await deps.clusterControl.facts(cluster);
  if (!facts) throw new ApiError(404, "UNKNOWN_CLUSTER", `cluster ${cluster.name} does not exist`);
  return { cluster: cluster.id, ...facts };
}

/** A cluster of the simulated world by its short name (managed or not: the world is more than the product sees). */
async function findCluster(deps: DevDependencies, request: HttpRequest): Promise<ManagedCluster> {
  const name = (request.params.name ?? "").toLowerCase();
  const matches = await deps.clusterControl.clustersNamed(name);
  if (matches.length === 0)
    throw new ApiError(404, "UNKNOWN_CLUSTER", `the simulated world has no cluster named ${request.params.name ?? ""}`);
  if (matches.length > 1) throw new ApiError(400, "AMBIGUOUS_CLUSTER", `several managed clusters are named ${name}`);
  return matches[0]!;
}

/** Who the simulated directory logs as making a change: the signed-in caller, if a token is sent. */
async function changeAuthor(deps: DevDependencies, request: HttpRequest): Promise<Omit<ChangeAuthor, "at">> {
  if (!request.headers.get("authorization")) return SIMULATION_CHANGE_AUTHOR;
  const caller = await authenticate(request, deps.verifyToken);
  const user = await deps.directory.getUser(caller.oid);
  return { kind: "user", id: caller.oid, displayName: user?.displayName ?? caller.upn, upn: user?.upn ?? caller.upn };
}

async function membership(deps: DevDependencies, group: DirectoryGroup) {
  return {
    group: group.displayName,
    groupId: group.id,
    members: (await deps.directory.listTransitiveUsers(group.id)).map((user) => user.upn).sort(),
  };
}

export type DevHandlers = ReturnType<typeof createDevHandlers>;

function simulatedKubeconfig(cluster: ManagedCluster): string {
  const server = `https://${cluster.name}.hcp.simulated.azmk8s.io:443`;
  return [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{name: ${cluster.name}, cluster: {server: "${server}"}}]`,
    `users: [{name: clusterAdmin_${cluster.resourceGroup}_${cluster.name}, user: {token: simulated-admin-credential}}]`,
    `contexts: [{name: ${cluster.name}-admin, context: {cluster: ${cluster.name}, user: clusterAdmin_${cluster.resourceGroup}_${cluster.name}}}]`,
    `current-context: ${cluster.name}-admin`,
    "",
  ].join("\n");
}
