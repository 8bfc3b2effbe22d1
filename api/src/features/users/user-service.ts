import { randomUUID } from 'node:crypto';
import type { Actor, RequestOrigin } from '../../auth/actor.ts';
import type { Config } from '../../config/config.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../errors/app-error.ts';
import type { PasswordHasher } from '../../auth/password-hasher.ts';
import type { TokenService } from '../../auth/token-service.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { UserRepository } from './user-repository.ts';
import type { UserModel } from '../../db/models/user-model.ts';

export type Quota = { limit: number; used: number };

/** Sign-up, sign-in, the caller's profile and quota. */
export class UserService {
  private readonly users: UserRepository;
  private readonly hasher: PasswordHasher;
  private readonly tokens: TokenService;
  private readonly audit: AuditLog;
  private readonly config: Config;
  private readonly countStores: (userId: string) => Promise<number>;
  /** A real hash of a random password: verified against when the e-mail is unknown, so timing tells nothing. */
  private dummyHash?: Promise<string>;

  constructor(deps: {
    users: UserRepository;
    hasher: PasswordHasher;
    tokens: TokenService;
    audit: AuditLog;
    config: Config;
    countStores: (userId: string) => Promise<number>;
  }) {
    this.users = deps.users;
    this.hasher = deps.hasher;
    this.tokens = deps.tokens;
    this.audit = deps.audit;
    this.config = deps.config;
    this.countStores = deps.countStores;
  }

  async register(input: { email: string; password: string }, origin: RequestOrigin): Promise<UserModel> {
    if (!this.config.allowRegistration) throw new ForbiddenError('Self-service sign-up is disabled on this platform.');
    const email = input.email.toLowerCase();
    const role = this.config.operatorEmails.includes(email) ? 'operator' : 'user';
    const user = await this.users.insert({ email, password_hash: await this.hasher.hash(input.password), role });
    if (!user) throw new ConflictError('email_taken', 'An account with this e-mail already exists.');
    await this.audit.record({ action: 'user.register', outcome: 'success', actor: origin, userId: user.id, identity: email });
    return user;
  }

  async login(input: { email: string; password: string }, origin: RequestOrigin) {
    return this.tokens.issue(await this.authenticate(input, origin));
  }

  /** The user whose e-mail and password these are (audited either way); 401 otherwise. */
  async authenticate(input: { email: string; password: string }, origin: RequestOrigin): Promise<UserModel> {
    const user = await this.users.findByEmail(input.email);
    this.dummyHash ??= this.hasher.hash(randomUUID());
    const ok = await this.hasher.verify(input.password, user?.password_hash ?? (await this.dummyHash));
    if (!user || !ok) {
      await this.audit.record({
        action: 'auth.login',
        outcome: 'failure',
        actor: origin,
        userId: user?.id ?? null,
        identity: input.email.toLowerCase(),
        details: { reason: user ? 'wrong_password' : 'unknown_user' },
      });
      throw new UnauthorizedError('E-mail or password is wrong.');
    }
    await this.audit.record({ action: 'auth.login', outcome: 'success', actor: origin, userId: user.id, identity: user.email });
    return user;
  }

  quotaLimit(user: Pick<UserModel, 'store_quota'>): number {
    return user.store_quota ?? this.config.defaultStoreQuota;
  }

  async profile(userId: string): Promise<{ user: UserModel; quota: Quota }> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('User not found.');
    return { user, quota: { limit: this.quotaLimit(user), used: await this.countStores(userId) } };
  }

  /** Operator: per-user quota override (null restores the default). */
  async setQuota(actor: Actor, userId: string, quota: number | null): Promise<{ user: UserModel; quota: Quota }> {
    if (actor.role !== 'operator') throw new ForbiddenError('This needs the operator role.');
    const user = await this.users.setQuota(userId, quota);
    if (!user) throw new NotFoundError('User not found.');
    await this.audit.record({ action: 'user.quota', outcome: 'success', actor, resource: `user:${userId}`, details: { quota } });
    return { user, quota: { limit: this.quotaLimit(user), used: await this.countStores(userId) } };
  }
}
