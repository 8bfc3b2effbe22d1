import type { Actor } from '../../auth/actor.ts';
import { AppError, NotFoundError } from '../../errors/app-error.ts';
import type { PasswordHasher } from '../../auth/password-hasher.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { UserRepository } from '../users/user-repository.ts';
import type { SessionService } from './session-service.ts';

/**
 * A user changes their password, proving the current one. Every other session of the user ends and every
 * JWT issued before stops working (the session the change came from stays signed in).
 */
export class PasswordChangeService {
  private readonly users: UserRepository;
  private readonly hasher: PasswordHasher;
  private readonly sessions: SessionService;
  private readonly audit: AuditLog;

  constructor(deps: { users: UserRepository; hasher: PasswordHasher; sessions: SessionService; audit: AuditLog }) {
    this.users = deps.users;
    this.hasher = deps.hasher;
    this.sessions = deps.sessions;
    this.audit = deps.audit;
  }

  async change(
    userId: string,
    input: { currentPassword: string; newPassword: string },
    actor: Actor,
    keepSessionHash?: string,
  ): Promise<{ endedSessions: number }> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('User not found.');
    if (!user.password_hash || !(await this.hasher.verify(input.currentPassword, user.password_hash))) {
      await this.audit.record({
        action: 'user.password_change',
        outcome: 'failure',
        actor,
        details: { reason: user.password_hash ? 'wrong_password' : 'no_password' },
      });
      throw new AppError(422, 'validation_failed', 'Validation failed', 'The current password is wrong.', {
        errors: [{ field: 'body.currentPassword', message: 'This is not your current password.', code: 'wrong_password' }],
      });
    }
    await this.users.setPassword(userId, await this.hasher.hash(input.newPassword));
    const endedSessions = await this.sessions.endOthers(userId, keepSessionHash);
    await this.audit.record({ action: 'user.password_change', outcome: 'success', actor, details: { endedSessions } });
    return { endedSessions };
  }
}
