// Port blocks for tests that start real clusters (e2e processes, in-process nodes). Concurrent test
// files must never pick overlapping ports, and no block may lie in the kernel's ephemeral range
// (32768+ on Linux), where any outgoing connection of any process can hold one of our ports as its
// local port and make a replica's listen fail. A block is claimed with a lock file in the temp dir
// (O_EXCL), so test processes running side by side skip each other's blocks; a lock left by a
// process that is gone is taken over.

import { openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A cluster of up to 100 replicas uses base .. base + 299 (src/config/layout.ts portLayout). */
const BLOCK = 300;
const FIRST = 10_000;
const LAST = 32_000 - BLOCK;
const BLOCKS = Math.floor((LAST - FIRST) / BLOCK) + 1;

export interface PortBlock {
  readonly base: number;
  release(): void;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function tryClaim(file: string): boolean {
  try {
    const fd = openSync(file, 'wx');
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch {
    const owner = Number(readFileSafe(file));
    if (Number.isSafeInteger(owner) && owner > 0 && alive(owner)) return false;
    rmSync(file, { force: true }); // its owner is gone: take it over on the next try
    return false;
  }
}

const readFileSafe = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** Claims a free block of BLOCK ports below the ephemeral range; release() when the cluster stops. */
export function claimPortBlock(): PortBlock {
  const start = Math.floor(Math.random() * BLOCKS);
  for (let i = 0; i < 2 * BLOCKS; i++) {
    const base = FIRST + ((start + i) % BLOCKS) * BLOCK;
    const file = join(tmpdir(), `byz-test-ports-${base}.lock`);
    if (tryClaim(file)) return { base, release: () => rmSync(file, { force: true }) };
  }
  throw new Error(`no free test port block among ${BLOCKS} (lock files byz-test-ports-*.lock in ${tmpdir()})`);
}
