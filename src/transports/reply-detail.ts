/**
 * A remote side's reply as an error may quote it: one line, at most 200
 * characters. Errors are stored with the delivery and logged, so a receiver
 * that echoes a whole page (or the message) back must not fill them.
 */
export const replyDetail = (reply: string | undefined): string => (reply ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
