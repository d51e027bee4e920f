// The group watch as the app runs it: both groups, the Graph subscriptions where Azure has them.
import { createGroupWatch, type GroupWatch } from "../groupWatch/run.js";
import type { Parts } from "./wiring.js";

export function composeGroupWatch({ config, ports, clock, randomBytes, log }: Parts): GroupWatch {
  return createGroupWatch({
    directory: ports.directory,
    audit: ports.audit,
    notifier: ports.notifier,
    emergencyGroupId: config.emergencyGroupId,
    approverGroupId: config.approverGroupId,
    maxMembers: config.groupMaxMembers,
    alertEmails: config.alertEmails,
    changes: ports.groupChanges,
    directoryAudit: ports.directoryAudit,
    ...(ports.subscriptions && config.graphClientState
      ? {
          subscriptions: {
            api: ports.subscriptions,
            notificationUrl: `${config.publicBaseUrl}/api/graph/notifications`,
            clientState: config.graphClientState,
          },
        }
      : {}),
    store: ports.groupWatchState,
    now: clock.now,
    randomBytes,
    log,
  });
}
