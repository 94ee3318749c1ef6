/**
 * Recipient profiles for the library, the HTTP API and the CLI: checked at
 * the edge (profile.ts), stored whole (store/recipients.ts). The claim reads
 * them to time each recipient (runner/page-timing.ts) and to render in their
 * locale and time zone (runner/recipient-settings.ts). A profile set or
 * deleted here makes the recipient's held events due now, so the next window
 * pass times them anew (an unsubscribe suppresses them, `immediate` sends
 * them, a new window re-holds them), rather than at the slot the old profile
 * chose.
 */
import type { Registry } from '../handlers/registry.js';
import type { Db } from '../store/db.js';
import { holdEvents, selectHeldEventIds } from '../store/event-holds.js';
import { deleteRecipient, selectRecipient, selectRecipientsPage, upsertRecipient, upsertRecipientPreference } from '../store/recipients.js';
import type { StoredRecipientProfile, TypePreference } from '../types.js';
import { parseRecipientProfile, type RecipientProfileInput } from './profile.js';

export interface RecipientBook {
  /**
   * Stores a recipient's profile, replacing the whole of any profile stored
   * before (like HTTP PUT): a part left out is cleared, not kept. Preferences
   * may only name the event types this client knows. Throws ValidationError
   * naming each field at fault; returns the profile as stored.
   */
  setRecipient(recipient: string, profile: RecipientProfileInput): Promise<StoredRecipientProfile>;
  /**
   * Sets one type's preference and keeps everything else the profile holds
   * (one-click unsubscribe sets `off`); creates the profile when there is
   * none. Checked like setRecipient (a known type, a valid preference).
   */
  setPreference(recipient: string, type: string, preference: TypePreference): Promise<void>;
  /** The stored profile, or null: the recipient gets every type's defaults. Keys compare exactly. */
  getRecipient(recipient: string): Promise<StoredRecipientProfile | null>;
  /** true when a profile was deleted. */
  deleteRecipient(recipient: string): Promise<boolean>;
  /** A page in recipient order, after the previous page's last recipient. */
  listRecipients(page: { after?: string; limit: number }): Promise<StoredRecipientProfile[]>;
}

export function createRecipientBook(db: Db, registry: Pick<Registry, 'types'>, databaseNow?: () => Date | undefined): RecipientBook {
  // Per type: the claim index bounds each read to that type's held events. Ids first, then an update by key (as the claim does).
  const retime = async (recipient: string) => {
    const now = databaseNow?.() ?? new Date();
    for (const type of registry.types()) await holdEvents(db, (await selectHeldEventIds(db, type, recipient)).map((id) => ({ until: now, id })));
  };
  return {
    async setRecipient(recipient, input) {
      const profile = parseRecipientProfile(recipient, input, registry.types());
      await upsertRecipient(db, recipient, profile, databaseNow?.());
      await retime(recipient);
      // Read back for updated_at; a concurrent PUT may have replaced it since, and then that one is what is stored.
      return (await selectRecipient(db, recipient))!;
    },
    async setPreference(recipient, type, preference) {
      const profile = parseRecipientProfile(recipient, { preferences: { [type]: preference } }, registry.types());
      await upsertRecipientPreference(db, recipient, type, profile.preferences[type]!, databaseNow?.());
      await retime(recipient);
    },
    getRecipient: async (recipient) => (await selectRecipient(db, recipient)) ?? null,
    async deleteRecipient(recipient) {
      const deleted = (await deleteRecipient(db, recipient)) === 1;
      if (deleted) await retime(recipient);
      return deleted;
    },
    listRecipients: (page) => selectRecipientsPage(db, page),
  };
}
