import { Model } from 'objection';
import type { StorePhase, StoreStatus } from '../../features/stores/store-lifecycle.ts';

/** A WooCommerce store: what should exist (Postgres is the source of truth for it). */
export class StoreModel extends Model {
  static override get tableName() {
    return 'stores';
  }
  static override get jsonAttributes() {
    return ['sealed_secrets'];
  }
  declare id: string;
  declare owner_id: string;
  declare name: string;
  declare domain: string;
  declare status: StoreStatus;
  declare phase: StorePhase;
  declare message: string | null;
  declare commit_sha: string | null;
  declare sealed_secrets: Record<string, string> | null;
  declare admin_username: string | null;
  declare admin_password_enc: string | null;
  declare created_at: Date;
  declare updated_at: Date;
  declare ready_at: Date | null;
  declare committed_at: Date | null;
  declare pull_request_number: number | null;
  declare pull_request_url: string | null;
  declare attempt: number;
  /** Incremented by every change to what the store's folder in Git should hold. */
  declare generation: number;
  /** The generation the last commit rendered; the store is due a commit while `generation` is ahead. */
  declare committed_generation: number;
}
