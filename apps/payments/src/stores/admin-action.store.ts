import type { EntityManager } from 'typeorm';

/** Operators' actions by hand (refund retries, refunds from suspense): who, what, when, details. */
export async function insertAdminAction(
  em: EntityManager,
  a: { adminId: string; action: string; subjectType: string; subjectId: string; detail: Record<string, unknown>; now: Date },
): Promise<void> {
  await em.query(
    `INSERT INTO payments.admin_actions (admin_id, action, subject_type, subject_id, detail, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [a.adminId, a.action, a.subjectType, a.subjectId, JSON.stringify(a.detail), a.now],
  );
}
