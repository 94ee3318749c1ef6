/**
 * A pull consumer as an outside worker would write it (test/db/pull-consumers.test.ts
 * runs three as child processes): lease a batch, "send" each delivery (a
 * line on stdout), ack it. It never sends one whose lease may have run out
 * (its own clock, from before the lease request, minus a margin): that one
 * comes back to the pool and someone sends it then.
 *
 * Lines on stdout: `leased <id,id,…>`, `sent <id> <message-id>` (before the
 * ack), `acked <id>`, `ack <status> <id>` (refused), `stalled` (STALL_AFTER:
 * after that many acks it takes one more batch, acks half, and hangs, to be
 * killed holding the rest). Exits after IDLE_EXIT_MS of empty leases.
 */
const { BASE, TOKEN, TRANSPORT = 'consumers', MAX = '20', VISIBILITY_MS = '2000', STALL_AFTER, IDLE_EXIT_MS = '4000' } = process.env;
const headers = { authorization: `Bearer ${TOKEN}` };
const out = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const visibility = Number(VISIBILITY_MS);

let acked = 0;
let idleSince = null;
for (;;) {
  const asked = Date.now();
  const res = await fetch(`${BASE}/v1/pull/${TRANSPORT}/lease?max=${MAX}&visibility=${visibility}ms`, { method: 'POST', headers });
  if (!res.ok) {
    process.stderr.write(`lease: ${res.status} ${await res.text()}\n`);
    process.exit(2);
  }
  const { deliveries } = await res.json();
  if (deliveries.length === 0) {
    idleSince ??= Date.now();
    if (Date.now() - idleSince > Number(IDLE_EXIT_MS)) break;
    await sleep(100);
    continue;
  }
  idleSince = null;
  out(`leased ${deliveries.map((d) => d.id).join(',')}`);
  const stall = STALL_AFTER !== undefined && acked >= Number(STALL_AFTER);
  for (const [i, d] of deliveries.entries()) {
    if (stall && i >= deliveries.length / 2) {
      out('stalled');
      setInterval(() => undefined, 60_000);
      await new Promise(() => undefined);
    }
    // Too close to the end of the lease to send and ack safely: leave it to the next lease.
    if (Date.now() > asked + visibility - 1_000) break;
    out(`sent ${d.id} ${d.messageId}`);
    const r = await fetch(`${BASE}/v1/pull/deliveries/${d.id}/ack`, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ leaseToken: d.leaseToken }),
    });
    if (r.ok) {
      acked++;
      out(`acked ${d.id}`);
    } else out(`ack ${r.status} ${d.id}`);
  }
}
