/**
 * Statements that carry rendered messages (a delivery born with its content,
 * or stored just before its send) are cut by size as well as by rows: a page
 * of large HTML digests in one statement could pass max_allowed_packet
 * (16 MiB on MariaDB, 64 MiB on MySQL 8).
 */

/** Rows per statement: up to 14 values a row, and SQLite binds at most 32,766. */
export const ROWS_PER_STATEMENT = 500;
/** Rendered bytes per statement, well inside max_allowed_packet. */
const CONTENT_BYTES_PER_STATEMENT = 2 * 1024 * 1024;

export interface MessageContent {
  address: string;
  subject: string | null;
  text: string | null;
  html: string | null;
}

export const contentBytes = (c: MessageContent | undefined) =>
  c == null ? 0 : (c.subject?.length ?? 0) + (c.text?.length ?? 0) + (c.html?.length ?? 0) + c.address.length;

/** Splits rows into statements of at most ROWS_PER_STATEMENT rows and about CONTENT_BYTES_PER_STATEMENT; a larger row goes alone. */
export function contentChunks<T extends { content?: MessageContent }>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  let part: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = contentBytes(item.content);
    if (part.length > 0 && (part.length === ROWS_PER_STATEMENT || bytes + size > CONTENT_BYTES_PER_STATEMENT)) {
      out.push(part);
      part = [];
      bytes = 0;
    }
    part.push(item);
    bytes += size;
  }
  if (part.length > 0) out.push(part);
  return out;
}
