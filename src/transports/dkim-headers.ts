/**
 * The header fields a DKIM signature covers. nodemailer's default list
 * (RFC 4871 §5.5's) has List-Unsubscribe but not List-Unsubscribe-Post, and
 * RFC 8058 §4 requires both to be signed: a receiver offers one-click
 * unsubscribe only when nobody on the way could have added or changed them.
 * A listed field a message lacks is simply left out of the signature's h=.
 */
export const DKIM_SIGNED_HEADERS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc',
  'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Content-ID', 'Content-Description',
  'In-Reply-To', 'References',
  'List-Id', 'List-Help', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Subscribe', 'List-Post', 'List-Owner', 'List-Archive',
].join(':');
