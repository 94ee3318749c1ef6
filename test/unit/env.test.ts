import { afterEach, describe, expect, it, vi } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { ConfigError } from '../../src/errors.js';

describe('readEnv', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('applies the documented defaults', () => {
    expect(readEnv({})).toEqual({
      databaseUrl: undefined,
      configPath: 'config/schedules.yaml',
      templatesDir: undefined,
      handlerModules: undefined,
      apiToken: undefined,
      httpPort: 8080,
      logLevel: 'info',
      leaseMs: 60_000,
      shutdownGraceMs: 10_000,
      pollMs: 50,
      protectDocs: false,
      vars: {},
    });
  });

  it('reads the lease and shutdown grace in seconds, and rejects values out of range', () => {
    expect(readEnv({ DIGEST_LEASE_SECONDS: '5', DIGEST_SHUTDOWN_GRACE_SECONDS: '0' })).toMatchObject({ leaseMs: 5000, shutdownGraceMs: 0 });
    expect(() => readEnv({ DIGEST_LEASE_SECONDS: '0', DIGEST_SHUTDOWN_GRACE_SECONDS: 'soon' })).toThrow(
      /DIGEST_LEASE_SECONDS: must be an integer between 1 and 3600, got "0"[\s\S]*DIGEST_SHUTDOWN_GRACE_SECONDS: must be an integer between 0 and 600, got "soon"/);
  });

  it('reads every documented variable and keeps the whole source as vars', () => {
    const source = {
      DATABASE_URL: 'mysql://u:p@db:3306/digest',
      DIGEST_CONFIG: '/etc/digest/schedules.yaml',
      DIGEST_TEMPLATES: '/etc/digest/templates',
      DIGEST_HANDLERS: './digest/handlers.js, @acme/digest-types',
      DIGEST_API_TOKEN: 'tok',
      DIGEST_HTTP_PORT: '9090',
      LOG_LEVEL: 'debug',
      SMTP_URL: 'smtp://mail:25',
    };
    const env = readEnv(source);
    expect(env).toMatchObject({
      databaseUrl: 'mysql://u:p@db:3306/digest',
      configPath: '/etc/digest/schedules.yaml',
      templatesDir: '/etc/digest/templates',
      handlerModules: ['./digest/handlers.js', '@acme/digest-types'],
      apiToken: 'tok',
      httpPort: 9090,
      logLevel: 'debug',
    });
    expect(env.vars).toEqual(source);
    expect(env.vars.SMTP_URL).toBe('smtp://mail:25');
  });

  it('treats empty strings as unset', () => {
    const env = readEnv({ DATABASE_URL: '', DIGEST_HTTP_PORT: '', DIGEST_API_TOKEN: ' ', LOG_LEVEL: '' });
    expect(env.databaseUrl).toBeUndefined();
    expect(env.apiToken).toBeUndefined();
    expect(env.httpPort).toBe(8080);
    expect(env.logLevel).toBe('info');
  });

  it.each(['abc', '65536', '80.5', '-1', '8080x'])('rejects DIGEST_HTTP_PORT=%j naming the variable', (port) => {
    expect(() => readEnv({ DIGEST_HTTP_PORT: port })).toThrow(ConfigError);
    expect(() => readEnv({ DIGEST_HTTP_PORT: port })).toThrow(/DIGEST_HTTP_PORT: must be an integer between 0 and 65535/);
  });

  it('accepts DIGEST_HTTP_PORT=0: any free port, for several schedulers on one host', () => {
    expect(readEnv({ DIGEST_HTTP_PORT: '0' }).httpPort).toBe(0);
  });

  it('accepts the port range bounds', () => {
    expect(readEnv({ DIGEST_HTTP_PORT: '1' }).httpPort).toBe(1);
    expect(readEnv({ DIGEST_HTTP_PORT: '65535' }).httpPort).toBe(65535);
  });

  it('reports a bad port and a bad log level together', () => {
    try {
      readEnv({ DIGEST_HTTP_PORT: 'http', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['DIGEST_HTTP_PORT', 'LOG_LEVEL']);
    }
  });

  it('reads process.env by default', () => {
    vi.stubEnv('DIGEST_HTTP_PORT', '7070');
    vi.stubEnv('DIGEST_CONFIG', 'other.yaml');
    const env = readEnv();
    expect(env.httpPort).toBe(7070);
    expect(env.configPath).toBe('other.yaml');
    expect(env.vars.DIGEST_CONFIG).toBe('other.yaml');
  });
});

describe('DIGEST_PROTECT_DOCS', () => {
  it('1/true protect the docs, 0/false or unset leave them open, anything else is a config error', () => {
    expect(readEnv({ DIGEST_PROTECT_DOCS: '1' }).protectDocs).toBe(true);
    expect(readEnv({ DIGEST_PROTECT_DOCS: 'true' }).protectDocs).toBe(true);
    expect(readEnv({ DIGEST_PROTECT_DOCS: '0' }).protectDocs).toBe(false);
    expect(() => readEnv({ DIGEST_PROTECT_DOCS: 'yes' })).toThrow(/DIGEST_PROTECT_DOCS: must be 1 or 0/);
  });
});
