import { sameOid } from "../domain/policy.js";
import type { Directory } from "../ports/directory.js";

/** The mail addresses of the approvers who can act (enabled, with a mailbox), optionally without someone. */
export async function approverEmails(
  directory: Directory,
  approverGroupId: string,
  except?: string,
): Promise<readonly string[]> {
  return (await directory.listTransitiveUsers(approverGroupId))
    .filter((user) => user.accountEnabled && user.mail && !(except && sameOid(user.oid, except)))
    .map((user) => user.mail as string);
}

/** Addresses without repeats, in their first order, compared without regard to case. */
export function unique(emails: readonly string[]): readonly string[] {
  const seen = new Set<string>();
  return emails.filter((email) => {
    const key = email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Who hears an alert by email: BREAKGLASS_ALERT_EMAILS and the approvers. When the directory cannot
 * say who the approvers are, the configured addresses still are (and the Teams channel still hears).
 */
export async function alertRecipients(
  directory: Directory,
  approverGroupId: string,
  alertEmails: readonly string[],
  log: (message: string) => void,
): Promise<readonly string[]> {
  try {
    return unique([...alertEmails, ...(await approverEmails(directory, approverGroupId))]);
  } catch (error) {
    log(`could not list the approvers for an alert: ${error instanceof Error ? error.message : String(error)}`);
    return alertEmails;
  }
}
