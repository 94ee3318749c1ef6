/**
 * Checks of time zone names and language tags, shared by everything that
 * takes them from outside (recipient profiles, the schedules file) so both
 * accept exactly the same values. A leaf: imports nothing of ours.
 */
import { IANAZone } from 'luxon';

/** Both profile columns are varchar(64); the longest IANA zone name is 32 characters. */
const MAX_NAME = 64;

/**
 * An IANA zone name. isValidZone alone would also take a fixed offset on an
 * engine whose Intl accepts one ("+03:00"); a name is asked for, so that its
 * DST rules apply.
 */
export const isZoneName = (v: string): boolean => v.length <= MAX_NAME && /^[A-Za-z]/.test(v) && IANAZone.isValidZone(v);

/** The canonical form of a BCP 47 tag (`en-us` → `en-US`), or undefined when it is not one. */
export function canonicalLocale(v: string): string | undefined {
  try {
    const [tag] = Intl.getCanonicalLocales(v);
    return tag != null && tag.length <= MAX_NAME ? tag : undefined;
  } catch {
    return undefined; // RangeError: not a well-formed BCP 47 tag
  }
}
