import { Model } from 'objection';

/** One entry of a store's timeline: a status/phase change and why. */
export class StoreEventModel extends Model {
  static override get tableName() {
    return 'store_events';
  }
  declare id: number;
  declare store_id: string;
  declare status: string;
  declare phase: string;
  declare reason: string;
  declare message: string | null;
  declare created_at: Date;
}
