// Run by `npm test` (pretest): the dashboard test drives Debian's Chromium
// (never a downloaded browser build). On a fresh machine it is not there yet:
// as root on Debian we install it with apt; anywhere else we stop with the one
// command to run. The browser test itself is never skipped.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.DIGEST_CHROMIUM ?? '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

if (!existsSync(CHROMIUM)) {
  const isRoot = process.getuid?.() === 0;
  const hasApt = existsSync('/usr/bin/apt-get') && existsSync('/etc/debian_version');
  if (!isRoot || !hasApt) {
    console.error(`digest tests need Chromium at ${CHROMIUM} for the dashboard test. Install it with:\n  ${isRoot ? '' : 'sudo '}${INSTALL}`);
    process.exit(1);
  }
  console.error(`Chromium is missing: installing Debian's chromium (${INSTALL})`);
  const run = (args) => execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    run(['update', '-qq']);
    run(['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
  } catch (err) {
    console.error(`installing chromium failed (${err.message}); run: ${INSTALL}`);
    process.exit(1);
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`apt installed chromium but ${CHROMIUM} is still missing; run: ${INSTALL}`);
    process.exit(1);
  }
}
