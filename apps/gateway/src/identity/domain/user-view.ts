import type { UserView } from '@tutorhub/contracts';
import type { UserRow } from '../user.store';

export const toUserView = (u: UserRow): UserView => ({
  id: u.id,
  email: u.email,
  fullName: u.full_name,
  role: u.role,
  createdAt: new Date(u.created_at).toISOString(),
});
