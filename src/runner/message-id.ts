import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { DigestConfig } from '../config/types.js';
import { mysqlLocation } from '../store/mysql-hosts.js';

/**
 * The delivery's stable Message-ID: derived from its id and the
 * installation's domain only, so a re-send after a crash carries the same one
 * and receivers can drop the duplicate, while two installations never share
 * one.
 */
export const messageIdFor = (deliveryId: number, domain: string) => messageIdAround(domain).join(String(deliveryId));

/** What stands before and after the delivery id in its Message-ID (for a statement that writes it from the row's id). */
export const messageIdAround = (domain: string): readonly [string, string] => ['<delivery.', `@${domain}>`];

/** `Shop <no-reply@shop.example>` → `shop.example`. */
const domainOf = (from: string) => /@([^\s<>@]+?)>?\s*$/.exec(from)?.[1]?.toLowerCase();

/**
 * `messageIdDomain` from the schedules file; else the domain the first SMTP
 * transport sends from (the installation's own mail domain); else one derived
 * from the database's location (host, port and database name, or the SQLite
 * file), which every replica of one installation shares, so they all give a
 * delivery the same Message-ID.
 */
export function messageIdDomainFor(config: DigestConfig, databaseUrl: string): string {
  if (config.messageIdDomain) return config.messageIdDomain;
  for (const t of Object.values(config.transports)) {
    const domain = t.kind === 'smtp' ? domainOf(t.from) : undefined;
    if (domain) return domain;
  }
  return `digest-${createHash('sha256').update(databaseLocation(databaseUrl)).digest('hex').slice(0, 12)}.invalid`;
}

/** The URL without credentials or options: a password change must not change the Message-IDs. */
function databaseLocation(url: string): string {
  if (url.startsWith('sqlite:')) return `sqlite:${resolve(url.slice('sqlite:'.length))}`;
  // Several hosts (`mysql://u@h1:3306,h2:3306/db`) are no WHATWG URL.
  if (/^mysql:\/\/[^/?#]*,/i.test(url)) return mysqlLocation(url);
  if (!URL.canParse(url)) return url;
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}:${u.port}${u.pathname}`;
}
