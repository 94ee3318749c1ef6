/**
 * A small DKIM verifier (RFC 6376, rsa-sha256, relaxed/relaxed — what
 * nodemailer signs with) for tests: checks the body hash and the signature
 * over the signed header fields against a public key, with no DNS.
 */
import { createHash, createVerify, type KeyObject } from 'node:crypto';

interface Field { name: string; raw: string }

/** Header fields as sent (continuation lines kept), in order. */
function fieldsOf(head: string): Field[] {
  const fields: Field[] = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1]!.raw += `\r\n${line}`;
    else fields.push({ name: line.slice(0, line.indexOf(':')).trim().toLowerCase(), raw: line });
  }
  return fields;
}

const relaxedValue = (raw: string) => raw.slice(raw.indexOf(':') + 1).replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim();
const relaxedField = (f: Field) => `${f.name}:${relaxedValue(f.raw)}`;

function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

const tagsOf = (value: string) => new Map(value.split(';').map((t) => t.trim()).filter(Boolean)
  .map((t) => [t.slice(0, t.indexOf('=')).trim(), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')] as const));

export interface DkimCheck {
  /** The signature's tags (d, s, h, bh, b …), whitespace removed. */
  tags: Map<string, string>;
  bodyHashOk: boolean;
  signatureOk: boolean;
}

/** Checks the message's (first) DKIM-Signature; `raw` as received, CRLF line ends. */
export function verifyDkim(raw: string, publicKey: KeyObject): DkimCheck {
  const split = raw.indexOf('\r\n\r\n');
  const fields = fieldsOf(raw.slice(0, split));
  const body = raw.slice(split + 4);
  const sig = fields.find((f) => f.name === 'dkim-signature');
  if (!sig) throw new Error('no DKIM-Signature header');
  const tags = tagsOf(relaxedValue(sig.raw));
  const bodyHashOk = createHash('sha256').update(relaxedBody(body)).digest('base64') === tags.get('bh');
  // Each name in h= takes the last not yet used instance of that field, bottom up (RFC 6376 §5.4.2).
  const used = new Set<Field>();
  const signed = tags.get('h')!.split(':').map((n) => n.trim().toLowerCase()).flatMap((name) => {
    const f = [...fields].reverse().find((x) => x.name === name && !used.has(x));
    if (!f) return [];
    used.add(f);
    return [`${relaxedField(f)}\r\n`];
  });
  const unsigned = relaxedField(sig).replace(/\bb=[^;]*$/, 'b=');
  const verifier = createVerify('RSA-SHA256');
  verifier.update(signed.join('') + unsigned, 'latin1');
  return { tags, bodyHashOk, signatureOk: verifier.verify(publicKey, tags.get('b')!, 'base64') };
}
