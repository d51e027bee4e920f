import { sameOid } from "./domain/policy.js";
import type { Directory } from "./ports/directory.js";

/** The mail addresses of the approvers who can act (enabled, with a mailbox), optionally without someone. */
export async function approverEmails(directory: Directory, approverGroupId: string, except?: string): Promise<readonly string[]> {
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
