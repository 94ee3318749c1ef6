/**
 * A DATABASE_URL may list several hosts of one cluster (Galera):
 * `mysql://user:pass@h1:3306,h2:3306,h3:3306/db?opts`. WHATWG `new URL()`
 * rejects that authority, so it is split here into one ordinary URL per
 * host, each with the same credentials, database and options, which mysql2
 * (and anything else) parses as usual. Pure text work, no connection.
 */
import { DigestError } from '../errors.js';

export interface MysqlHost {
  host: string;
  /** As written; '' when the URL gives none (the driver's default, 3306). */
  port: string;
}

export interface MysqlHosts {
  hosts: MysqlHost[];
  /** One single-host URL per host, in the order given (the failover order). */
  urls: string[];
  /** `?connectionLimit=N`, if given. */
  connectionLimit: number | undefined;
}

const bad = (rule: string) => new DigestError('DATABASE_URL', `DATABASE_URL ${rule}`);

/** `h:p` or `[v6]:p`. */
function parseHost(text: string): MysqlHost {
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d*))?$/.exec(text);
  if (!m) throw bad(`host "${text}" must be host or host:port (hosts are separated by commas)`);
  return { host: m[1]!, port: m[2] ?? '' };
}

export function parseMysqlHosts(url: string): MysqlHosts {
  const m = /^(mysql:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!m) throw bad('must start with mysql://');
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  // The credentials end at the last '@' of the authority (an encoded password has none of its own).
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at + 1);
  const list = authority.slice(at + 1);
  if (list.trim() === '') throw bad('must name at least one host (mysql://user@host:3306/db)');
  const hosts = list.split(',').map((h) => {
    if (h.trim() === '') throw bad('has an empty host in its host list (two commas, or a trailing comma)');
    return parseHost(h.trim());
  });
  const urls = hosts.map((h) => `${scheme}${userinfo}${h.host}${h.port ? `:${h.port}` : ''}${rest}`);
  for (const u of urls) if (!URL.canParse(u)) throw bad('is not a valid URL (check the credentials are percent-encoded)');
  const limit = new URL(urls[0]!).searchParams.get('connectionLimit');
  return { hosts, urls, connectionLimit: Number(limit) || undefined };
}

/**
 * Where the database is, without credentials or options: hosts sorted, so
 * replicas that list one cluster's nodes in different orders agree (the
 * Message-ID domain is derived from it). A single host gives exactly
 * `mysql://host:port/db`, as before multi-host URLs existed.
 */
export function mysqlLocation(url: string): string {
  const { hosts, urls } = parseMysqlHosts(url);
  const u = new URL(urls[0]!);
  const list = hosts.map((h) => `${h.host}:${h.port}`).sort().join(',');
  return `${u.protocol}//${hosts.length === 1 ? `${u.hostname}:${u.port}` : list}${u.pathname}`;
}
