/**
 * Recipient profiles for the library, the HTTP API and the CLI: checked at
 * the edge (profile.ts), stored whole (store/recipients.ts). Nothing in the
 * scheduling pipeline reads them yet: time zones, quiet hours and frequencies
 * take effect in a later step of issue 15.
 */
import type { Registry } from '../handlers/registry.js';
import type { Db } from '../store/db.js';
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
  return {
    async setRecipient(recipient, input) {
      const profile = parseRecipientProfile(recipient, input, registry.types());
      await upsertRecipient(db, recipient, profile, databaseNow?.());
      // Read back for updated_at; a concurrent PUT may have replaced it since, and then that one is what is stored.
      return (await selectRecipient(db, recipient))!;
    },
    async setPreference(recipient, type, preference) {
      const profile = parseRecipientProfile(recipient, { preferences: { [type]: preference } }, registry.types());
      await upsertRecipientPreference(db, recipient, type, profile.preferences[type]!, databaseNow?.());
    },
    getRecipient: async (recipient) => (await selectRecipient(db, recipient)) ?? null,
    deleteRecipient: async (recipient) => (await deleteRecipient(db, recipient)) === 1,
    listRecipients: (page) => selectRecipientsPage(db, page),
  };
}
