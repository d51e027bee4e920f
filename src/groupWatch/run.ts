// Group watch: every change to the emergency or approver group's members becomes one audit entry
// and one alert. Runs on a timer and whenever Graph notifies a change; both may run at once, in
// several processes. Each group's state (its delta link, the members last seen, and the alerts not
// yet delivered) is one document written with If-Match: a run that loses the race throws its
// findings away and looks again from the winner's state, so a change is found exactly once. Alerts
// are stored as pending in that same write and delivered afterwards, so a crash between finding and
// telling delays an alert (to the next run) but never loses it.
import { type AuditFields } from "../domain/audit.js";
import { auditNonces, groupAuditEntry } from "../domain/auditChain.js";
import { groupAlertAuditFields, renderGroupAlert } from "../domain/groupAlerts.js";
import {
  applyMemberChanges,
  AUDITED_MEMBERS,
  membershipDiff,
  policyFindings,
  type Attribution,
  type GroupAlert,
  type KnownMember,
  type MemberKind,
  type WatchedGroup,
} from "../domain/groups.js";
import type { AuditLog } from "../ports/auditLog.js";
import type { Directory } from "../ports/directory.js";
import { TransientError } from "../ports/errors.js";
import type { DirectoryAudit } from "../ports/directoryAudit.js";
import type { GroupChanges } from "../ports/groupChanges.js";
import type { GraphSubscriptions, Subscription } from "../ports/graphSubscriptions.js";
import type { Notifier } from "../ports/notifier.js";
import type { StateStore } from "../ports/stateStore.js";
import { alertRecipients } from "../access/recipients.js";

/** How long a run may take to deliver the alerts it found before another run delivers them instead. */
export const DELIVERY_CLAIM_MS = 2 * 60_000;
/** Graph keeps a group subscription at most 41,760 minutes; ask for an hour less. */
export const SUBSCRIPTION_LIFETIME_MS = (41_760 - 60) * 60_000;
/** Renew a subscription when less than this is left. */
export const SUBSCRIPTION_RENEW_BEFORE_MS = 3 * 24 * 60 * 60_000;
/** How far back to look in the directory's audit log before the last run, for who made a change. */
const ATTRIBUTION_SLACK_MS = 15 * 60_000;
const MAX_ROUNDS = 5;
/** The key of the document that remembers policy findings. */
const POLICY = "policy";

export interface PendingAlert {
  /** Stable across delivery attempts: the audit entry's key. */
  readonly id: string;
  readonly at: string;
  readonly alert: GroupAlert;
  /** Until then, the run that found it delivers it; afterwards, any run does. */
  readonly claimedUntil: string;
}

export interface GroupWatchState {
  readonly deltaLink?: string;
  readonly members?: readonly KnownMember[];
  readonly baselineAt?: string;
  readonly lastSyncAt?: string;
  /** Set while reading the group fails; the failure is alerted once. */
  readonly failingSince?: string;
  readonly subscription?: Subscription;
  /** Policy findings already alerted (the policy document only). */
  readonly findings?: readonly string[];
  readonly pending: readonly PendingAlert[];
}

export const NO_GROUP_WATCH_STATE: GroupWatchState = { pending: [] };

export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

export interface GroupWatchInput {
  readonly trigger: "timer" | "notification";
  /** Lifecycle notifications from Graph, by subscription id. */
  readonly lifecycle?: readonly { readonly event: LifecycleEvent; readonly subscriptionId: string }[];
}

export interface GroupWatchReport {
  readonly trigger: GroupWatchInput["trigger"];
  readonly groups: readonly {
    readonly group: string;
    readonly added: number;
    readonly removed: number;
    readonly error?: string;
  }[];
  readonly findings: number;
  readonly subscriptions: readonly string[];
}

export interface GroupWatchDependencies {
  readonly emergencyGroupId: string;
  readonly approverGroupId: string;
  readonly maxMembers: number;
  readonly alertEmails: readonly string[];
  readonly directory: Directory;
  readonly changes: GroupChanges;
  readonly directoryAudit: DirectoryAudit;
  /** Absent when change notifications are off (no client state, or simulation): the timer alone watches. */
  readonly subscriptions?: {
    readonly api: GraphSubscriptions;
    readonly notificationUrl: string;
    readonly clientState: string;
  };
  readonly store: StateStore<GroupWatchState>;
  readonly audit: AuditLog;
  readonly notifier: Notifier;
  readonly now: () => Date;
  readonly randomBytes: (size: number) => Uint8Array;
  readonly log: (message: string) => void;
}

export function createGroupWatch(deps: GroupWatchDependencies) {
  const groups: readonly WatchedGroup[] = [
    { id: deps.emergencyGroupId, role: "emergency" },
    { id: deps.approverGroupId, role: "approver" },
  ];
  /** Failures alerted by this process while the store itself could not remember them. */
  const alertedInProcess = new Set<string>();

  const newId = auditNonces(deps.randomBytes);
  const errorCode = (error: unknown) => (error instanceof TransientError ? error.code : "FAILED");
  const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

  const audit = async (fields: AuditFields, id = newId()) => {
    const result = await deps.audit.append(groupAuditEntry(id, fields));
    if (result.kind === "conflict")
      deps.log(`group watch: audit entry ${id} conflicts with a stored one; not overwritten`);
  };

  /** Sends an alert; throws when every channel failed, so that it stays pending (one channel that worked is enough: someone heard). */
  const notify = async (alert: GroupAlert) => {
    const emails = await alertRecipients(deps.directory, deps.approverGroupId, deps.alertEmails, deps.log);
    const deliveries = await deps.notifier.send({ ...renderGroupAlert(alert), recipients: { emails, teams: true } });
    const failures = deliveries.filter((candidate) => !candidate.ok);
    for (const delivery of failures)
      deps.log(`group alert not delivered (${delivery.channel}): ${delivery.error ?? ""}`);
    if (deliveries.length && failures.length === deliveries.length)
      throw new TransientError("ALERT_UNDELIVERED", "no channel took the alert");
  };

  /**
   * Audits every alert, then sends each and drops it from the document's pending list. What cannot
   * be audited or sent now stays pending for a later run (after its claim lapses): the finding is
   * already safe. Auditing comes first and for all, so that channels that are down keep no finding
   * out of the trail (an alert's audit key is its own id: auditing it again is a duplicate).
   */
  const deliver = async (key: string, alerts: readonly PendingAlert[]) => {
    const later = (error: unknown) =>
      deps.log(`group watch could not deliver an alert yet (a later run will): ${errorMessage(error)}`);
    const audited: PendingAlert[] = [];
    for (const pending of alerts) {
      await audit(groupAlertAuditFields(pending.alert, pending.at), pending.id).then(
        () => audited.push(pending),
        later,
      );
    }
    for (const pending of audited) {
      try {
        await notify(pending.alert);
        await deps.store.update(key, (state) => ({
          next: { ...state, pending: state.pending.filter((other) => other.id !== pending.id) },
          result: undefined,
        }));
      } catch (error) {
        later(error);
      }
    }
  };

  /** New pending alerts, plus earlier ones whose finder did not deliver them in time, claimed for this run. */
  const claim = (state: GroupWatchState, alerts: readonly GroupAlert[], now: Date) => {
    const claimedUntil = new Date(now.getTime() + DELIVERY_CLAIM_MS).toISOString();
    const stale = state.pending
      .filter((pending) => Date.parse(pending.claimedUntil) <= now.getTime())
      .map((pending) => ({ ...pending, claimedUntil }));
    const fresh = alerts.map((alert) => ({ id: newId(), at: now.toISOString(), alert, claimedUntil }));
    const mine = new Set([...stale, ...fresh].map((pending) => pending.id));
    return {
      pending: [...state.pending.filter((pending) => !mine.has(pending.id)), ...stale, ...fresh],
      mine: [...stale, ...fresh],
    };
  };

  const named = async (group: WatchedGroup): Promise<WatchedGroup> => {
    try {
      const found = await deps.directory.getGroup(group.id);
      return found ? { ...group, name: found.displayName } : group;
    } catch {
      return group; // the id is enough to act on
    }
  };

  const describe = async (id: string, kind: MemberKind): Promise<KnownMember> => {
    if (kind === "group") {
      const group = await deps.directory.getGroup(id);
      return { id, kind, displayName: group?.displayName ?? id };
    }
    const user = kind === "user" ? await deps.directory.getUser(id) : undefined;
    return user ? { id, kind, displayName: user.displayName, upn: user.upn } : { id, kind, displayName: id };
  };

  const attribute = async (
    group: WatchedGroup,
    member: KnownMember,
    change: "added" | "removed",
    since: Date,
  ): Promise<Attribution> => {
    try {
      return await deps.directoryAudit.whoChanged({ groupId: group.id, memberId: member.id, change, since });
    } catch (error) {
      return { kind: "unavailable", reason: errorMessage(error) };
    }
  };

  /** What changed since the stored delta link; a full list compared with the stored one when the link is refused. */
  const membersNow = async (group: WatchedGroup, state: GroupWatchState) => {
    const known = state.members ?? [];
    if (state.deltaLink) {
      const delta = await deps.changes.membershipDelta(group.id, state.deltaLink);
      if (delta.kind === "changes")
        return {
          ids: applyMemberChanges(
            known.map((member) => member.id),
            delta.changes,
          ),
          changes: delta.changes,
          deltaLink: delta.deltaLink,
          resync: false,
        };
    }
    const full = await deps.changes.membershipDelta(group.id);
    if (full.kind !== "changes")
      throw new TransientError("GRAPH_DELTA", "the directory refused a delta query without a delta link");
    return {
      ids: applyMemberChanges([], full.changes),
      changes: full.changes,
      deltaLink: full.deltaLink,
      resync: state.deltaLink !== undefined,
    };
  };

  const sync = async (group: WatchedGroup) => {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { state, version } = await deps.store.read(group.id);
      const now = deps.now();
      const at = now.toISOString();
      const found = await membersNow(group, state);
      const known = new Map((state.members ?? []).map((member) => [member.id, member]));
      const kinds = new Map(found.changes.map((change) => [change.id.toLowerCase(), change.kind]));
      const alerts: GroupAlert[] = [];
      let members: KnownMember[];
      let added: string[] = [];
      let removed: string[] = [];
      if (!state.baselineAt) {
        members = await Promise.all([...found.ids].sort().map((id) => describe(id, kinds.get(id) ?? "user")));
        alerts.push({
          kind: "baseline",
          group: await named(group),
          count: members.length,
          members: members.slice(0, AUDITED_MEMBERS),
          detectedAt: at,
        });
      } else {
        ({ added, removed } = membershipDiff(known.keys(), found.ids));
        const since = new Date(Date.parse(state.lastSyncAt ?? at) - ATTRIBUTION_SLACK_MS);
        const joined = await Promise.all(added.map((id) => describe(id, kinds.get(id) ?? "user")));
        const left = removed.map((id) => known.get(id)!);
        const label = added.length || removed.length ? await named(group) : group;
        for (const [change, list] of [
          ["added", joined],
          ["removed", left],
        ] as const) {
          for (const member of list) {
            alerts.push({
              kind: change === "added" ? "member-added" : "member-removed",
              group: label,
              member,
              detectedAt: at,
              resync: found.resync,
              attribution: await attribute(group, member, change, since),
            });
          }
        }
        members = [...[...known.values()].filter((member) => !removed.includes(member.id)), ...joined].sort((a, b) =>
          a.id.localeCompare(b.id),
        );
      }
      if (state.failingSince)
        alerts.push({ kind: "watch-recovered", group: await named(group), since: state.failingSince });
      const { pending, mine } = claim(state, alerts, now);
      const { failingSince: _recovered, ...rest } = state;
      const next: GroupWatchState = {
        ...rest,
        deltaLink: found.deltaLink,
        members,
        baselineAt: state.baselineAt ?? at,
        lastSyncAt: at,
        pending,
      };
      // Someone else synced first: their findings stand; look again from their state.
      if (!(await deps.store.replace(group.id, next, version))) continue;
      alertedInProcess.delete(group.id);
      await deliver(group.id, mine);
      return { group: group.id, added: added.length, removed: removed.length };
    }
    throw new TransientError("GROUP_WATCH_CONTENDED", `the watch state of group ${group.id} kept changing`);
  };

  /** Alerts a failing group once, when it starts failing (or once per process if the store is down too). */
  const failed = async (group: WatchedGroup, error: unknown) => {
    const now = deps.now();
    const alert: GroupAlert = {
      kind: "watch-failing",
      group,
      code: errorCode(error),
      message: errorMessage(error),
      since: now.toISOString(),
    };
    deps.log(`group watch failed on ${group.id}: ${alert.message}`);
    try {
      // Alerts left undelivered earlier (this failure's own, a crashed run's) are claimed while the group keeps failing too.
      const mine = await deps.store.update(group.id, (state) => {
        const claimed = claim(state, state.failingSince ? [] : [alert], now);
        if (!claimed.mine.length) return { result: [] };
        return {
          next: { ...state, failingSince: state.failingSince ?? alert.since, pending: claimed.pending },
          result: claimed.mine,
        };
      });
      await deliver(group.id, mine);
    } catch (storeError) {
      deps.log(`group watch could not record the failure of ${group.id}: ${errorMessage(storeError)}`);
      if (!alertedInProcess.has(group.id)) {
        alertedInProcess.add(group.id);
        await notify(alert);
      }
    }
    return { group: group.id, added: 0, removed: 0, error: alert.code };
  };

  /** Policy findings are alerted when they appear; one that clears and returns is alerted again. */
  const checkPolicy = async () => {
    const [emergency, approvers] = await Promise.all(
      groups.map(async (group) => ({
        group: await named(group),
        users: await deps.directory.listTransitiveUsers(group.id),
      })),
    );
    const findings = policyFindings(emergency!, approvers!, deps.maxMembers);
    const now = deps.now();
    const mine = await deps.store.update(POLICY, (state) => {
      const before = new Set(state.findings ?? []);
      const keys = findings.map((finding) => finding.key).sort();
      const claimed = claim(
        state,
        findings.filter((finding) => !before.has(finding.key)).map((finding) => finding.alert),
        now,
      );
      const unchanged = claimed.mine.length === 0 && keys.join() === [...before].sort().join();
      return unchanged
        ? { result: [] }
        : { next: { ...state, findings: keys, pending: claimed.pending }, result: claimed.mine };
    });
    await deliver(POLICY, mine);
    return findings.length;
  };

  const subscriptionAudit = (
    code: string,
    group: WatchedGroup,
    message: string,
    outcome: "success" | "failure" = "success",
  ) =>
    audit({
      type: "graph-subscription",
      at: deps.now().toISOString(),
      actor: null,
      cluster: "",
      outcome,
      code,
      message,
      details: { groupId: group.id },
    });

  /** Creates, renews and reauthorizes the change-notification subscription of each group. */
  const maintainSubscriptions = async (lifecycle: GroupWatchInput["lifecycle"] = []): Promise<string[]> => {
    const subscriptions = deps.subscriptions;
    if (!subscriptions) return [];
    const outcomes: string[] = [];
    for (const group of groups) {
      // What happened, audited only once the subscription is saved: a failed audit must not lose track of it.
      const done: { code: string; message: string; ok: boolean }[] = [];
      try {
        let current = (await deps.store.read(group.id)).state.subscription;
        const expiresAt = () => new Date(deps.now().getTime() + SUBSCRIPTION_LIFETIME_MS);
        for (const event of lifecycle.filter((candidate) => candidate.subscriptionId === current?.id)) {
          if (event.event === "subscriptionRemoved") current = undefined;
          if (
            event.event === "reauthorizationRequired" &&
            current &&
            (await subscriptions.api.reauthorize(current.id)) === "reauthorized"
          ) {
            done.push({ code: "REAUTHORIZED", message: `subscription ${current.id} reauthorized`, ok: true });
          }
        }
        if (current && Date.parse(current.expiresAt) - deps.now().getTime() < SUBSCRIPTION_RENEW_BEFORE_MS) {
          const renewed = await subscriptions.api.renew(current.id, expiresAt());
          current = renewed === "not-found" ? undefined : renewed;
          if (current)
            done.push({
              code: "RENEWED",
              message: `subscription ${current.id} renewed until ${current.expiresAt}`,
              ok: true,
            });
        }
        if (!current) {
          current = await subscriptions.api.create({
            resource: `groups/${group.id}`,
            notificationUrl: subscriptions.notificationUrl,
            clientState: subscriptions.clientState,
            expiresAt: expiresAt(),
          });
          done.push({
            code: "CREATED",
            message: `subscription ${current.id} created until ${current.expiresAt}`,
            ok: true,
          });
        }
        const kept = current;
        await deps.store.update(group.id, (state) =>
          state.subscription?.id === kept.id && state.subscription.expiresAt === kept.expiresAt
            ? { result: undefined }
            : { next: { ...state, subscription: kept }, result: undefined },
        );
      } catch (error) {
        // The timer still watches; notifications only make it faster.
        deps.log(`group watch could not maintain the subscription of ${group.id}: ${errorMessage(error)}`);
        done.push({ code: errorCode(error), message: errorMessage(error), ok: false });
      }
      outcomes.push(
        ...(done.some((step) => !step.ok)
          ? [`${group.role}:failed`]
          : done.map((step) => `${group.role}:${step.code.toLowerCase()}`)),
      );
      for (const { code, message, ok } of done) {
        await subscriptionAudit(code, group, message, ok ? "success" : "failure").catch((error: unknown) =>
          deps.log(`group watch could not audit a subscription change: ${errorMessage(error)}`),
        );
      }
    }
    return outcomes;
  };

  return {
    async run(input: GroupWatchInput = { trigger: "timer" }): Promise<GroupWatchReport> {
      const results: GroupWatchReport["groups"][number][] = [];
      for (const group of groups) {
        try {
          results.push(await sync(group));
        } catch (error) {
          results.push(await failed(group, error));
        }
      }
      let findings = 0;
      try {
        findings = await checkPolicy();
      } catch (error) {
        deps.log(`group watch could not check the group policy: ${errorMessage(error)}`);
      }
      const subscriptions =
        input.trigger === "timer" || input.lifecycle?.length ? await maintainSubscriptions(input.lifecycle) : [];
      const report: GroupWatchReport = { trigger: input.trigger, groups: results, findings, subscriptions };
      const failures = results.filter((result) => result.error);
      await audit({
        type: "group-watch-run",
        at: deps.now().toISOString(),
        actor: null,
        cluster: "",
        outcome: failures.length ? "failure" : "success",
        ...(failures.length ? { code: failures[0]!.error! } : {}),
        details: {
          trigger: input.trigger,
          added: results.reduce((sum, result) => sum + result.added, 0),
          removed: results.reduce((sum, result) => sum + result.removed, 0),
          findings,
        },
      }).catch((error: unknown) => deps.log(`group watch could not audit its run: ${errorMessage(error)}`));
      return report;
    },
  };
}

export type GroupWatch = ReturnType<typeof createGroupWatch>;
