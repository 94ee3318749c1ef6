/**
 * The connection pool behind openMysql: mysql2's own pool for one host, or
 * for a DATABASE_URL listing several (mysql-hosts.ts) mysql2's PoolCluster,
 * one pool per node, so a scheduler whose node dies carries on on another
 * (its in-flight deliveries' leases hand them to whoever claims next).
 *
 * ORDER, not round robin: every process uses the first node that answers.
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
  const cluster = mysql.createPoolCluster({
    canRetry: true, removeNodeErrorCount: 1, restoreNodeTimeout: RESTORE_NODE_MS, defaultSelector: 'ORDER',
  });
  urls.forEach((uri, i) => cluster.add(`node${i}`, { uri, ...options }));
  // PoolCluster does not pass its pools' 'connection' events on: a new
  // connection is set up the first time it is handed out.
  const ready = new WeakSet<object>();
  const getConnection = async () => {
    const conn = await cluster.getConnection('*', 'ORDER');
    const core = (conn as unknown as { connection: object }).connection;
    if (!ready.has(core)) {
      try {
        await onConnect(conn);
      } catch (err) {
        conn.destroy();
        throw err;
      }
      ready.add(core);
    }
    return conn;
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
