/** Emails are compared trimmed and lower-cased (the input schemas normalise them the same way). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
