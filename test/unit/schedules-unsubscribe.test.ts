/** config/schedules.yaml: publicUrl, unsubscribe and an SMTP transport's dkim. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSchedules } from '../../src/config/schedules.js';
import { issuesOf } from '../support/config-issues.js';

const base = 'transports:\n  console: { kind: console }\nevents: {}\n';
const SECRET = 'a-secret-of-32-characters-length';
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('publicUrl and unsubscribe', () => {
  it('parse into the config, the URL without its trailing slash, the secret from the environment', () => {
    const config = parseSchedules(`${base}publicUrl: https://digest.shop.example/mail/\nunsubscribe: { secret: \${UNSUBSCRIBE_SECRET} }\n`, { UNSUBSCRIBE_SECRET: SECRET });
    expect(config.publicUrl).toBe('https://digest.shop.example/mail');
    expect(config.unsubscribe).toEqual({ secret: SECRET });
  });

  it('are absent when not configured', () => {
    const config = parseSchedules(base, {});
    expect(config).not.toHaveProperty('publicUrl');
    expect(config).not.toHaveProperty('unsubscribe');
  });

  it('publicUrl must be an http(s) base URL', () => {
    expect(issuesOf(`${base}publicUrl: ftp://x.example\n`)).toEqual([{ path: 'publicUrl', message: 'must be a URL starting with http:// or https://' }]);
    expect(issuesOf(`${base}publicUrl: digest.shop.example\n`)).toEqual([{ path: 'publicUrl', message: 'must be a URL starting with http:// or https://' }]);
    expect(issuesOf(`${base}publicUrl: "https://x.example/?a=1"\n`)).toEqual([{ path: 'publicUrl', message: 'must be a base URL, without ?query or #fragment' }]);
  });

  it('a short secret is an issue naming unsubscribe.secret, and never quoting it', () => {
    const issues = issuesOf(`${base}publicUrl: https://x.example\nunsubscribe: { secret: \${S} }\n`, { S: 'tooshort' });
    expect(issues).toEqual([{ path: 'unsubscribe.secret', message: 'must be at least 16 characters (e.g. openssl rand -base64 32)' }]);
    expect(JSON.stringify(issues)).not.toContain('tooshort');
  });

  it('an unset secret variable is reported once, as unset', () => {
    expect(issuesOf(`${base}publicUrl: https://x.example\nunsubscribe: { secret: \${UNSUBSCRIBE_SECRET} }\n`))
      .toEqual([{ path: 'unsubscribe.secret', message: 'environment variable UNSUBSCRIBE_SECRET is not set' }]);
  });

  it('unsubscribe without publicUrl is an issue that says what is missing', () => {
    expect(issuesOf(`${base}unsubscribe: { secret: ${SECRET} }\n`)).toEqual([
      { path: 'unsubscribe', message: expect.stringMatching(/^needs publicUrl: /) },
    ]);
  });
});

describe('smtp dkim', () => {
  const smtp = (dkim: string) => `transports:\n  mail: { kind: smtp, url: "smtp://127.0.0.1:25", from: "a@shop.example", dkim: ${dkim} }\nevents: {}\n`;

  it('parses into the transport config, the key from the environment', () => {
    const config = parseSchedules(smtp('{ domainName: shop.example, keySelector: mail2026, privateKey: "${DKIM_KEY}" }'), { DKIM_KEY: rsaPem });
    expect(config.transports.mail).toMatchObject({ kind: 'smtp', dkim: { domainName: 'shop.example', keySelector: 'mail2026', privateKey: rsaPem.trimEnd() } });
  });

  it('takes a key whose line breaks the environment holds as \\n', () => {
    const config = parseSchedules(smtp('{ domainName: shop.example, keySelector: s1, privateKey: "${DKIM_KEY}" }'), { DKIM_KEY: rsaPem.replaceAll('\n', '\\n') });
    expect(config.transports.mail).toMatchObject({ dkim: { privateKey: rsaPem.trimEnd() } });
  });

  it('reports a bad domain, selector and key, each at its path', () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(issuesOf(smtp('{ domainName: "shop example", keySelector: "a;b", privateKey: "${K}" }'), { K: ed })).toEqual([
      { path: 'transports.mail.dkim.domainName', message: 'must be a domain name (e.g. mail.shop.example)' },
      { path: 'transports.mail.dkim.keySelector', message: 'must be a DKIM selector (e.g. mail2026)' },
      { path: 'transports.mail.dkim.privateKey', message: 'must be an RSA private key in PEM form (-----BEGIN PRIVATE KEY----- …)' },
    ]);
    expect(issuesOf(smtp('{ domainName: shop.example, keySelector: s1, privateKey: not-a-key }'))).toEqual([
      { path: 'transports.mail.dkim.privateKey', message: 'must be an RSA private key in PEM form (-----BEGIN PRIVATE KEY----- …)' },
    ]);
    expect(issuesOf(smtp('{ domainName: shop.example, privateKey: not-a-key }')).map((i) => i.path)).toContain('transports.mail.dkim.keySelector');
  });
});
