// Group watch: every change to the emergency or approver group's members becomes one audit entry
// and one alert. Runs on a timer and whenever Graph notifies a change; both may run at once, in
// several processes, and agree through each group's state document (state.ts).
import { auditNonces } from "../domain/auditChain.js";
import type { GroupWatchInput, GroupWatchReport, GroupWatchResult } from "../domain/groupWatch.js";
import { policyFindings, type GroupAlert, type WatchedGroup } from "../domain/groups.js";
import type { AuditLog } from "../ports/auditLog.js";
import { TransientError } from "../ports/errors.js";
import { AlertDelivery, groupAudit, type DeliveryDependencies, type GroupAudit } from "./delivery.js";
import { errorCode, errorMessage } from "./errors.js";
import { GroupMembers, type MembershipSources } from "./members.js";
import { afterLook, claimAlerts, POLICY_DOCUMENT } from "./state.js";
import { SubscriptionKeeper, type SubscriptionDependencies, type SubscriptionSettings } from "./subscriptions.js";

const MAX_ROUNDS = 5;

export interface GroupWatchDependencies extends MembershipSources, DeliveryDependencies, SubscriptionDependencies {
  readonly emergencyGroupId: string;
  readonly approverGroupId: string;
  readonly maxMembers: number;
  /** Absent when change notifications are off (no client state, or simulation): the timer alone watches. */
  readonly subscriptions?: SubscriptionSettings;
  readonly audit: AuditLog;
  readonly randomBytes: (size: number) => Uint8Array;
}

export interface GroupWatch {
  run(input?: GroupWatchInput): Promise<GroupWatchReport>;
}

/** What one group watch holds across its runs. */
interface Watch {
  readonly deps: GroupWatchDependencies;
  readonly groups: readonly WatchedGroup[];
  readonly newId: () => string;
  readonly audit: GroupAudit;
  readonly members: GroupMembers;
  readonly delivery: AlertDelivery;
  readonly subscriptions: SubscriptionKeeper | undefined;
  /** Failures alerted by this process while the store itself could not remember them. */
  readonly alertedInProcess: Set<string>;
}

export function createGroupWatch(deps: GroupWatchDependencies): GroupWatch {
  const newId = auditNonces(deps.randomBytes);
  const audit = groupAudit(deps.audit, newId, deps.log);
  const watch: Watch = {
    deps,
    groups: [
      { id: deps.emergencyGroupId, role: "emergency" },
      { id: deps.approverGroupId, role: "approver" },
    ],
    newId,
    audit,
    members: new GroupMembers(deps),
    delivery: new AlertDelivery(deps, audit),
    subscriptions: deps.subscriptions && new SubscriptionKeeper(deps.subscriptions, deps, audit),
    alertedInProcess: new Set(),
  };
  return { run: (input = { trigger: "timer" }) => run(watch, input) };
}

async function run(watch: Watch, input: GroupWatchInput): Promise<GroupWatchReport> {
  const results: GroupWatchResult[] = [];
  for (const group of watch.groups) {
    try {
      results.push(await watchGroup(watch, group));
    } catch (error) {
      results.push(await recordFailure(watch, group, error));
    }
  }
  let findings = 0;
  try {
    findings = await checkPolicy(watch);
  } catch (error) {
    watch.deps.log(`group watch could not check the group policy: ${errorMessage(error)}`);
  }
  const subscriptions =
    watch.subscriptions && (input.trigger === "timer" || input.lifecycle?.length)
      ? await watch.subscriptions.maintain(watch.groups, input.lifecycle)
      : [];
  await auditRun(watch, input.trigger, results, findings).catch((error: unknown) =>
    watch.deps.log(`group watch could not audit its run: ${errorMessage(error)}`),
  );
  return { trigger: input.trigger, groups: results, findings, subscriptions };
}

/** Looks at one group and stores what it found, looking again if another run stored first. */
async function watchGroup(watch: Watch, group: WatchedGroup): Promise<GroupWatchResult> {
  const { deps } = watch;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { state, version } = await deps.store.read(group.id);
    const now = deps.now();
    const at = now.toISOString();
    const look = await watch.members.look(group, state, at);
    const alerts: GroupAlert[] = [...look.alerts];
    if (state.failingSince)
      alerts.push({ kind: "watch-recovered", group: await watch.members.named(group), since: state.failingSince });
    const { pending, mine } = claimAlerts(state, alerts, now, watch.newId);
    // Another run stored first: its findings stand; look again from its state.
    if (!(await deps.store.replace(group.id, afterLook(state, look, at, pending), version))) continue;
    watch.alertedInProcess.delete(group.id);
    await watch.delivery.deliver(group.id, mine);
    return { group: group.id, added: look.added, removed: look.removed };
  }
  throw new TransientError("GROUP_WATCH_CONTENDED", `the watch state of group ${group.id} kept changing`);
}

/** Alerts a failing group once, when it starts failing (or once per process if the store is down too). */
async function recordFailure(watch: Watch, group: WatchedGroup, error: unknown): Promise<GroupWatchResult> {
  const { deps } = watch;
  const now = deps.now();
  const alert = {
    kind: "watch-failing",
    group,
    code: errorCode(error),
    message: errorMessage(error),
    since: now.toISOString(),
  } as const satisfies GroupAlert;
  deps.log(`group watch failed on ${group.id}: ${alert.message}`);
  try {
    // Alerts left undelivered earlier (this failure's own, a crashed run's) are claimed while the group keeps failing too.
    const mine = await deps.store.update(group.id, (state) => {
      const claimed = claimAlerts(state, state.failingSince ? [] : [alert], now, watch.newId);
      if (!claimed.mine.length) return { result: [] };
      return {
        next: { ...state, failingSince: state.failingSince ?? alert.since, pending: claimed.pending },
        result: claimed.mine,
      };
    });
    await watch.delivery.deliver(group.id, mine);
  } catch (storeError) {
    deps.log(`group watch could not record the failure of ${group.id}: ${errorMessage(storeError)}`);
    if (!watch.alertedInProcess.has(group.id)) {
      watch.alertedInProcess.add(group.id);
      await watch.delivery.notify(alert);
    }
  }
  return { group: group.id, added: 0, removed: 0, error: alert.code };
}

/** Policy findings are alerted when they appear; one that clears and returns is alerted again. */
async function checkPolicy(watch: Watch): Promise<number> {
  const { deps } = watch;
  const [emergency, approvers] = await Promise.all(
    watch.groups.map(async (group) => ({
      group: await watch.members.named(group),
      users: await deps.directory.listTransitiveUsers(group.id),
    })),
  );
  const findings = policyFindings(emergency!, approvers!, deps.maxMembers);
  const now = deps.now();
  const mine = await deps.store.update(POLICY_DOCUMENT, (state) => {
    const before = new Set(state.findings ?? []);
    const keys = findings.map((finding) => finding.key).sort();
    const claimed = claimAlerts(
      state,
      findings.filter((finding) => !before.has(finding.key)).map((finding) => finding.alert),
      now,
      watch.newId,
    );
    const unchanged = claimed.mine.length === 0 && keys.join() === [...before].sort().join();
    return unchanged
      ? { result: [] }
      : { next: { ...state, findings: keys, pending: claimed.pending }, result: claimed.mine };
  });
  await watch.delivery.deliver(POLICY_DOCUMENT, mine);
  return findings.length;
}

function auditRun(
  watch: Watch,
  trigger: GroupWatchInput["trigger"],
  results: readonly GroupWatchResult[],
  findings: number,
): Promise<void> {
  const failures = results.filter((result) => result.error);
  return watch.audit({
    type: "group-watch-run",
    at: watch.deps.now().toISOString(),
    actor: null,
    cluster: "",
    outcome: failures.length ? "failure" : "success",
    ...(failures.length ? { code: failures[0]!.error! } : {}),
    details: {
      trigger,
      added: results.reduce((sum, result) => sum + result.added, 0),
      removed: results.reduce((sum, result) => sum + result.removed, 0),
      findings,
    },
  });
}
