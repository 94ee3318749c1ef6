/**
 * The connection pool behind openMysql: mysql2's own pool for one host, or
 * for a DATABASE_URL listing several (mysql-hosts.ts) mysql2's PoolCluster,
 * one pool per node, so a scheduler whose node dies carries on on another
 * (its in-flight deliveries' leases hand them to whoever claims next).
 *
 * ORDER, not round robin: every process uses the first node that answers.
 * The order is kept here rather than by PoolCluster's own node removal,
 * which counts only failed connects: a Galera node cut off from its peers
 * still accepts connections and answers every statement with 1047 (not in
 * the Primary Component), and must be passed over just the same.
 * Under Galera, writes from several nodes to the same rows collide at COMMIT
 * (certification conflicts); all writers on one node collide as ordinary
 * row locks instead, which wait rather than fail.
 */
import mysql from 'mysql2/promise';
import { isConnectionError } from './errors.js';
import { parseMysqlHosts } from './mysql-hosts.js';

/** What openMysql uses of a pool: plain queries, a connection for a transaction, end. */
export type MysqlPool = Pick<mysql.Pool, 'query' | 'getConnection' | 'end'>;

/** Session settings every new connection gets before its first statement. */
export type OnConnect = (conn: Pick<mysql.Connection, 'query'>) => Promise<unknown>;

/**
 * A node whose connection failed rests this long before it is tried again
 * (a restarted node comes back); a single failure is enough to move on to
 * the next node.
 */
export const RESTORE_NODE_MS = 5_000;

export function createMysqlPool(url: string, options: mysql.PoolOptions, onConnect: OnConnect): MysqlPool {
  const { urls } = parseMysqlHosts(url);
  if (urls.length === 1) {
    const pool = mysql.createPool({ uri: url, ...options });
    // Queued ahead of anything else on the connection: they run first.
    // (The event hands over the driver's callback connection; .promise() wraps it.)
    pool.on('connection', (conn) => void onConnect((conn as unknown as { promise(): mysql.Connection }).promise()).catch(() => undefined));
    return pool;
  }
  // PoolCluster never takes a node offline here (we rest it below); it is
  // asked for one node by name.
  const cluster = mysql.createPoolCluster({ canRetry: false, removeNodeErrorCount: Number.MAX_SAFE_INTEGER });
  const names = urls.map((_, i) => `node${i}`);
  names.forEach((name, i) => cluster.add(name, { uri: urls[i], ...options }));
  const restingUntil = new Map<string, number>();
  const rest = (name: string) => restingUntil.set(name, Date.now() + RESTORE_NODE_MS);
  // Nodes not resting first, in the URL's order; then the resting ones, so a
  // statement still gets a try when every node failed a moment ago.
  const inOrder = () => {
    const now = Date.now();
    const up = names.filter((n) => (restingUntil.get(n) ?? 0) <= now);
    return [...up, ...names.filter((n) => !up.includes(n))];
  };
  // A connection error on a node's connection (it died, or 1047) rests that node.
  const watch = (conn: mysql.PoolConnection, name: string) => {
    for (const m of ['query', 'execute', 'beginTransaction', 'commit'] as const) {
      const original = (conn[m] as (...a: unknown[]) => Promise<unknown>).bind(conn);
      (conn as unknown as Record<string, unknown>)[m] = async (...args: unknown[]) => {
        try {
          return await original(...args);
        } catch (err) {
          if (isConnectionError(err)) rest(name);
          throw err;
        }
      };
    }
    return conn;
  };
  // PoolCluster does not pass its pools' 'connection' events on: a new
  // connection is set up the first time it is handed out.
  const ready = new WeakSet<object>();
  const getConnection = async () => {
    let failure: unknown;
    for (const name of inOrder()) {
      let conn: mysql.PoolConnection;
      try {
        conn = watch(await cluster.getConnection(name), name);
      } catch (err) {
        rest(name);
        failure ??= err;
        continue;
      }
      const core = (conn as unknown as { connection: object }).connection;
      if (!ready.has(core)) {
        try {
          await onConnect(conn);
        } catch (err) {
          conn.destroy();
          if (!isConnectionError(err)) throw err;
          failure ??= err;
          continue;
        }
        ready.add(core);
      }
      return conn;
    }
    throw failure;
  };
  const adapter = {
    getConnection,
    async query(sql: string, params?: mysql.QueryValues) {
      const conn = await getConnection();
      try {
        const result = await conn.query(sql, params);
        conn.release();
        return result;
      } catch (err) {
        // A node that went away (or left the Primary Component) is not
        // handed this connection again.
        if (isConnectionError(err)) conn.destroy();
        else conn.release();
        throw err;
      }
    },
    end: () => cluster.end(),
  };
  return adapter as unknown as MysqlPool;
}
