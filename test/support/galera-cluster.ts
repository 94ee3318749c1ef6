/**
 * A throwaway MariaDB Galera cluster on 127.0.0.1 for the cluster suite:
 * N mariadbd processes from the installed packages (mariadb-server built
 * with wsrep, galera-4, rsync), each with its own datadir, socket and ports
 * under one temp folder. Node 1 bootstraps the cluster (--wsrep-new-cluster),
 * the others join it one at a time by rsync state transfer (SST). A node may
 * be stopped, SIGKILLed and started again; it rejoins (IST when its position
 * could be recovered, else SST) and start() resolves once it is Synced.
 *
 * Modelled on mariadb-instance.ts; see that file for the single-server case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, freePort, sleep } from './processes.js';
import mysql from 'mysql2/promise';

export const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';

export interface WsrepStatus {
  clusterSize: number;
  /** wsrep_ready: ON once the node accepts queries. */
  ready: boolean;
  /** wsrep_local_state: 4 = Synced, 2 = Donor/Desynced, 1 = Joining … */
  localState: number;
  /** wsrep_cluster_status: Primary when this node is in the quorum component. */
  clusterStatus: string;
}

export interface GaleraNode {
  /** 1-based, as in the issue's "node 1 bootstraps". */
  index: number;
  /** The SQL port. */
  port: number;
  /** mysql://root@127.0.0.1:<port>/<database> */
  url: string;
  /**
   * Starts mariadbd and resolves (with the ms it took) once the node is
   * Synced and sees the whole running cluster. Not for bootstrapping: use
   * cluster.start() for the first start.
   */
  start(): Promise<number>;
  /** Graceful `mysqladmin shutdown`; resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL to the node's process group (mariadbd and any SST script it runs); resolves on exit. */
  kill(): Promise<void>;
  running(): boolean;
  /** What the server wrote to stderr (its error log, SST script output included). */
  log(): string;
  /** wsrep status as this node reports it. */
  status(): Promise<WsrepStatus>;
}

export interface GaleraCluster {
  nodes: GaleraNode[];
  /** One URL per node, database included. */
  urls: string[];
  database: string;
  /** mysql://root@127.0.0.1:<p1>,127.0.0.1:<p2>,…/<database>: every node, for failover. */
  multiHostUrl: string;
  /**
   * Bootstraps node 1 with --wsrep-new-cluster, creates the database, joins
   * the others one by one; resolves with the ms the whole start took.
   */
  start(): Promise<number>;
  /** Kills every node (SIGKILL) and removes the temp folder. */
  destroy(): Promise<void>;
  /** Every node's log, labelled, for a failure message. */
  logs(): string;
  /** Each running node's wsrep status and SHOW PROCESSLIST, each bounded to a few seconds: what a hung scenario waits on. */
  diagnose(): Promise<string>;
}

export interface GaleraClusterOptions {
  nodes?: number;
  /** First SQL port (nodes use basePort, basePort+1, …); default 3311 if free, else kernel-picked ports. */
  basePort?: number;
  /** First group communication port; default 4561 if free, else kernel-picked. */
  baseGroupPort?: number;
  /** Database created once on node 1 after bootstrap (replicated to the others). */
  database?: string;
  /** InnoDB buffer pool per node: three nodes on a 2-core CI box, so small. */
  bufferPool?: string;
  /** How long one node may take to reach Synced (an SST of a small datadir is seconds). */
  syncTimeoutMs?: number;
}

/** True when we can listen on the port now (nothing else, e.g. a leftover cluster, holds it). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive ports from `base` if all are free (the issue's
 * documented 3311–3313 / 4561–4563 make a running cluster easy to find by
 * hand), else `count` kernel-picked ones: a leftover cluster from a crashed
 * run must never be joined or collided with.
 */
async function portRange(base: number | undefined, count: number, taken: Set<number>): Promise<number[]> {
  if (base != null) {
    const want = Array.from({ length: count }, (_, i) => base + i);
    const free = await Promise.all(want.map((p) => (taken.has(p) ? false : isFree(p))));
    if (free.every(Boolean)) {
      want.forEach((p) => taken.add(p));
      return want;
    }
  }
  const out: number[] = [];
  while (out.length < count) {
    const p = await freePort();
    if (!taken.has(p)) { taken.add(p); out.push(p); }
  }
  return out;
}

/** uid/gid of `nobody`: the rsync daemon of a joiner started by root drops to it and must write the datadir. */
function nobodyIds(): { uid: number; gid: number } | null {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
    if (!line) return null;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return null;
  }
}

function chownTree(path: string, uid: number, gid: number): void {
  const st = lstatSync(path);
  // A datadir holds no symlinks of ours; never follow one out of the temp folder.
  if (st.isSymbolicLink()) return;
  chownSync(path, uid, gid);
  if (st.isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

/** `use` on a short-lived root connection to the node, closed hard afterwards (a hung node must not hold up the close). */
async function onNode<T>(port: number, use: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 2_000 });
  try {
    return await use(conn);
  } finally {
    conn.destroy();
  }
}

/** What `SHOW GLOBAL STATUS LIKE 'wsrep_%'` says, on a short-lived connection. */
async function wsrepStatus(port: number): Promise<WsrepStatus> {
  return onNode(port, async (conn) => {
    // Bounded: a node that takes the connection but not the query (joining,
    // or a donor under a state-transfer lock) must not outlast waitSynced's deadline.
    const [rows] = await conn.query<mysql.RowDataPacket[]>({ sql: "SHOW GLOBAL STATUS LIKE 'wsrep_%'", timeout: 5_000 });
    const v = Object.fromEntries(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
    return {
      clusterSize: Number(v.wsrep_cluster_size ?? 0),
      ready: v.wsrep_ready === 'ON',
      localState: Number(v.wsrep_local_state ?? 0),
      clusterStatus: v.wsrep_cluster_status ?? '',
    };
  });
}

/** One node's wsrep status and process list, or why it could not be read; never waits more than a few seconds. */
async function nodeDiagnosis(port: number): Promise<string> {
  const read = () => onNode(port, async (conn) => {
    const [status] = await conn.query<mysql.RowDataPacket[]>({ sql: "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_local_state_comment','wsrep_cluster_status','wsrep_ready','wsrep_local_recv_queue','wsrep_flow_control_paused')", timeout: 3_000 });
    const [procs] = await conn.query<mysql.RowDataPacket[]>({ sql: 'SHOW FULL PROCESSLIST', timeout: 3_000 });
    return [status.map((r) => `${r.Variable_name}=${r.Value}`).join(' '),
      ...procs.filter((r) => r.Command !== 'Sleep').map((r) => `  ${r.Id} ${r.db ?? '-'} ${r.Command} ${r.Time}s ${r.State ?? ''} ${String(r.Info ?? '').slice(0, 160)}`)].join('\n');
  });
  return Promise.race([read(), sleep(8_000).then(() => 'no answer within 8 s')]).catch((err: Error) => `unreadable: ${err.message}`);
}

/** The recovered "uuid:seqno" from a `--wsrep-recover` run's log, if InnoDB had one. */
const recoveredPosition = (log: string): string | null =>
  /WSREP: Recovered position:\s*([0-9a-f-]{36}:-?\d+)/.exec(log)?.[1] ?? null;

export async function createGaleraCluster(opts: GaleraClusterOptions = {}): Promise<GaleraCluster> {
  const count = opts.nodes ?? 3;
  const database = opts.database ?? 'test';
  const bufferPool = opts.bufferPool ?? '64M';
  const syncTimeoutMs = opts.syncTimeoutMs ?? 90_000;
  if (!existsSync(GALERA_PROVIDER)) throw new Error(`Galera provider not installed: ${GALERA_PROVIDER} (apt-get install galera-4 rsync)`);

  const taken = new Set<number>();
  const sqlPorts = await portRange(opts.basePort ?? 3311, count, taken);
  const groupPorts = await portRange(opts.baseGroupPort ?? 4561, count, taken);
  // IST and SST receive ports: the issue fixes none, so the kernel picks them.
  const istPorts = await portRange(undefined, count, taken);
  const sstPorts = await portRange(undefined, count, taken);

  const root = mkdtempSync(join(tmpdir(), 'digest-galera-'));
  // mkdtemp makes the folder 0700; the joiner's rsync daemon (as `nobody`)
  // must reach the datadirs below it.
  chmodSync(root, 0o755);
  const nobody = process.getuid?.() === 0 ? nobodyIds() : null;
  const clusterAddress = `gcomm://${groupPorts.map((p) => `127.0.0.1:${p}`).join(',')}`;

  const children = new Set<ChildProcess>();
  // If the test process dies without its afterAll, leave no node behind.
  const killOnExit = () => {
    for (const c of children) if (c.pid) try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  process.on('exit', killOnExit);

  const makeNode = (i: number): GaleraNode & { launch(bootstrap: boolean): Promise<void>; dir: string } => {
    const index = i + 1;
    const port = sqlPorts[i]!;
    const dir = join(root, `node${index}`);
    const datadir = join(dir, 'data');
    mkdirSync(datadir, { recursive: true });
    chmodSync(dir, 0o755);
    let child: ChildProcess | null = null;
    let exited: Promise<void> = Promise.resolve();
    let serverLog = '';
    let sessions = 0;

    const admin = (...args: string[]) =>
      exec('mysqladmin', ['--no-defaults', '--protocol=tcp', '-h127.0.0.1', `-P${port}`, '-uroot', '--connect-timeout=2', ...args], 10_000);

    const serverArgs = (): string[] => [
      '--no-defaults', '--user=root', `--datadir=${datadir}`, `--port=${port}`, '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'sock')}`, `--pid-file=${join(dir, 'pid')}`, '--skip-name-resolve',
      `--innodb-buffer-pool-size=${bufferPool}`, '--max-connections=300',
      '--binlog-format=ROW', '--default-storage-engine=InnoDB', '--innodb-autoinc-lock-mode=2',
      '--wsrep-on=ON', `--wsrep-provider=${GALERA_PROVIDER}`, '--wsrep-cluster-name=digest-test',
      `--wsrep-cluster-address=${clusterAddress}`, `--wsrep-node-address=127.0.0.1:${groupPorts[i]}`,
      `--wsrep-node-name=node${index}`,
      // gmcast/IST listen on loopback only; evs timeouts shortened from 5 s/15 s
      // so a SIGKILLed node leaves the component within ~3 s (the lease-period
      // failover the suite checks), still far above a 2-core box's stalls.
      `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${groupPorts[i]};ist.recv_addr=127.0.0.1:${istPorts[i]};`
        + 'evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;'
        + 'evs.install_timeout=PT6S;gcache.size=128M',
      '--wsrep-sst-method=rsync', `--wsrep-sst-receive-address=127.0.0.1:${sstPorts[i]}`,
    ];

    const note = (line: string) => { serverLog += `\n[helper] ${new Date().toISOString()} ${line}\n`; };

    /**
     * Before a restart: asks InnoDB where this node stopped, so it can rejoin
     * by IST rather than a full SST. Bounded: exec SIGKILLs the recovery run
     * at the deadline, and then the node starts without a position and takes
     * a full SST, which is slower but always ends.
     */
    const recoverPosition = async (): Promise<string | null> => {
      const grastate = join(datadir, 'grastate.dat');
      if (!existsSync(grastate) || !/seqno:\s*-1\b/.test(readFileSync(grastate, 'utf8'))) return null;
      if (!existsSync(join(datadir, 'ibdata1'))) return null;
      const logFile = join(dir, 'recover.log');
      note('--wsrep-recover: starting');
      const res = await exec('mariadbd', [...serverArgs(), '--wsrep-recover', `--log-error=${logFile}`], 60_000);
      const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      rmSync(logFile, { force: true });
      const pos = recoveredPosition(text + res.stderr);
      note(`--wsrep-recover: ${res.timedOut ? 'killed after 60 s' : `exit ${res.code}`} → ${pos ?? 'no position'}`);
      if (res.timedOut || !pos) serverLog += text.slice(-3000);
      return pos && !pos.endsWith(':-1') ? pos : null;
    };

    const launch = async (bootstrap: boolean) => {
      if (child) throw new Error(`galera node ${index} is already running`);
      // The rsync daemon that receives an SST runs as `nobody` when we are
      // root: it must be able to write every file of the datadir, including
      // those mariadbd (as root) created in an earlier life.
      if (nobody) {
        chownTree(datadir, nobody.uid, nobody.gid);
        note('datadir handed to nobody');
      }
      const position = bootstrap ? null : await recoverPosition();
      const args = [...serverArgs(), ...(bootstrap ? ['--wsrep-new-cluster'] : []),
        ...(position ? [`--wsrep-start-position=${position}`] : [])];
      sessions++;
      note(`---- start #${sessions}${bootstrap ? ' (bootstrap)' : ''} ----`);
      // detached: its own process group, so kill() also reaches an SST script and its rsync.
      const proc = spawn('mariadbd', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      child = proc;
      children.add(proc);
      proc.stderr!.on('data', (c: Buffer) => { serverLog += c; });
      exited = new Promise((resolve) => proc.on('exit', () => {
        children.delete(proc);
        if (child === proc) child = null;
        resolve();
      }));
    };

    const node = {
      index, port, dir,
      url: `mysql://root@127.0.0.1:${port}/${database}`,
      running: () => child != null,
      log: () => serverLog,
      status: () => wsrepStatus(port),
      launch,
      async start() {
        const began = Date.now();
        await launch(false);
        // The sync deadline counts from the launch: recovery has its own bound.
        await waitSynced(node, Date.now());
        return Date.now() - began;
      },
      async stop() {
        const proc = child;
        if (!proc) return;
        const done = exited;
        const res = await admin('shutdown');
        if (res.code !== 0) proc.kill('SIGTERM');
        const timedOut = await Promise.race([done.then(() => false), sleep(30_000).then(() => true)]);
        if (timedOut) {
          try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ }
          await done;
        }
      },
      async kill() {
        const proc = child;
        if (!proc) return;
        const done = exited;
        try { process.kill(-proc.pid!, 'SIGKILL'); } catch { proc.kill('SIGKILL'); }
        await done;
      },
    };
    return node;
  };

  const nodes = Array.from({ length: count }, (_, i) => makeNode(i));

  /**
   * Synced (wsrep_local_state 4), ready, in the Primary component, and
   * seeing every node that is running: a joiner is only done when the
   * others count it too.
   */
  async function waitSynced(node: (typeof nodes)[number], began: number): Promise<void> {
    const deadline = began + syncTimeoutMs;
    let last = 'no answer yet';
    for (;;) {
      if (!node.running()) throw new Error(`galera node ${node.index} exited during start-up:\n${node.log().slice(-6000)}`);
      try {
        const s = await node.status();
        last = JSON.stringify(s);
        const expected = nodes.filter((n) => n.running()).length;
        if (s.ready && s.localState === 4 && s.clusterStatus === 'Primary' && s.clusterSize === expected) return;
      } catch (err) {
        last = String((err as Error).message);
      }
      if (Date.now() > deadline) {
        throw new Error(`galera node ${node.index} not Synced within ${syncTimeoutMs / 1000} s (last: ${last}):\n${node.log().slice(-6000)}`);
      }
      await sleep(200);
    }
  }

  return {
    nodes,
    urls: nodes.map((n) => n.url),
    database,
    multiHostUrl: `mysql://root@${sqlPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${database}`,
    logs: () => nodes.map((n) => `==== node ${n.index} (port ${n.port}) ====\n${n.log().slice(-4000)}`).join('\n'),
    async diagnose() {
      const parts = await Promise.all(nodes.map(async (n) => `---- node ${n.index} (${n.running() ? 'running' : 'not running'}) ----\n${n.running() ? await nodeDiagnosis(n.port) : ''}`));
      return parts.join('\n');
    },
    async start() {
      const began = Date.now();
      // Node 1 needs a system schema to bootstrap from; the joiners get
      // theirs (and everything else) by SST, so their datadirs stay empty.
      const first = nodes[0]!;
      const install = await exec('mariadb-install-db', [
        '--no-defaults', '--user=root', `--datadir=${join(first.dir, 'data')}`,
        '--auth-root-authentication-method=normal', '--skip-test-db',
      ], 60_000);
      if (install.code !== 0) throw new Error(`mariadb-install-db failed (${install.code}): ${install.stderr || install.stdout}`);
      await first.launch(true);
      await waitSynced(first, began);
      const conn = await mysql.createConnection({ host: '127.0.0.1', port: first.port, user: 'root' });
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
      await conn.end();
      // One joiner at a time: a donor serves one rsync SST at a time, and two
      // at once on two cores only make both slower.
      for (const n of nodes.slice(1)) {
        await n.launch(false);
        await waitSynced(n, Date.now());
      }
      return Date.now() - began;
    },
    async destroy() {
      process.off('exit', killOnExit);
      await Promise.all(nodes.map((n) => Promise.race([n.kill(), sleep(5_000)])));
      killOnExit();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
