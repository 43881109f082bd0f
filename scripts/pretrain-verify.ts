/**
 * Retrains the whole pretraining chain (scripts/pretrain.ts) from scratch in segments, two at a time,
 * and fails unless every segment ends exactly where the committed weights say it does:
 *
 *   npm run pretrain:verify            all segments (about 3 h on 2 cores, estimated; one core alone: the sum)
 *   npm run pretrain:verify -- C D     some of them
 *   npm run pretrain:verify -- --list  what each segment trains and checks
 *
 * The chain restarts (or grows) four times from weights that an earlier session committed with the
 * pack, and each of those stages checks the F16 hash of the weights it starts from. So each segment
 * starts from its committed file (PRETRAIN_BASE, read out of git history) and trains up to the next
 * such stage (PRETRAIN_UNTIL), whose hash check is the segment's verdict; the last one trains to the
 * end and compares with the pack's weights byte for byte (--check). Training is deterministic, so
 * segments that each reproduce their end reproduce the chain. Each runs in a fresh folder under
 * .cache/verify/<segment>/ (a rerun resumes from its checkpoints; delete the folder for a cold run),
 * its log in .cache/verify/<segment>.log.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';

interface Segment {
  name: string;
  /** The commit whose pack holds the segment's starting weights (none: stage 1 from its seed). */
  from?: string;
  /** The restarting or growing stage that checks where the segment ends (none: the committed pack, --check). */
  until?: string;
  what: string;
}

const SEGMENTS: readonly Segment[] = [
  { name: 'A', until: 'deeper', what: 'stage 1 (seeded init) to opening-again, 2 blocks, 3,400 steps; ends at the session-9 pack (10446f9)' },
  { name: 'B', from: '10446f9', until: 'coarse-gain', what: 'deeper to opening-deeper, 4 blocks, 2,400 steps; ends at the session-10 pack (dab42ac)' },
  { name: 'C', from: 'dab42ac', until: 'beat-clock', what: 'coarse-gain and opening-coarse, 1,000 steps; ends at the session-11 pack (c0f44c2)' },
  { name: 'D', from: 'c0f44c2', until: 'key', what: 'beat-clock to opening-clock-again, 1,900 steps; ends at the session-14 pack (2ed20bb)' },
  { name: 'E', from: '2ed20bb', what: 'key and opening-key, 800 steps; ends at the committed pack' },
];
const PARALLEL = 2;
const ORDER = ['A', 'B', 'D', 'C', 'E'];
const ROOT = new URL('../', import.meta.url).pathname;
const OUT = `${ROOT}.cache/verify`;

function baseFile(commit: string): string {
  const r = spawnSync('git', ['show', `${commit}:public/models/studio/model.safetensors`], { cwd: ROOT, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`git show ${commit}: ${r.stderr.toString().trim() || 'failed'} (the segments start from committed packs: a full clone is needed, not a shallow one)`);
  const file = `${OUT}/base-${commit}.safetensors`;
  writeFileSync(file, r.stdout);
  return file;
}

function runSegment(s: Segment): Promise<boolean> {
  const dir = `${OUT}/${s.name}`;
  mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, PRETRAIN_DIR: dir };
  for (const k of ['PRETRAIN_BASE', 'PRETRAIN_UNTIL', 'PRETRAIN_STAGES', 'PACK_DIR']) delete env[k];
  if (s.from) env.PRETRAIN_BASE = baseFile(s.from);
  if (s.until) env.PRETRAIN_UNTIL = s.until;
  const log = createWriteStream(`${OUT}/${s.name}.log`);
  const t0 = Date.now();
  console.log(`segment ${s.name}: ${s.what} (log: .cache/verify/${s.name}.log)`);
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', 'scripts/pretrain.ts', ...(s.until ? [] : ['--check'])], { cwd: ROOT, env });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on('close', (code) => {
      console.log(`segment ${s.name}: ${code === 0 ? 'reproduced' : `FAILED (exit ${code})`} in ${((Date.now() - t0) / 60_000).toFixed(0)} min`);
      resolve(code === 0);
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const s of SEGMENTS) console.log(`${s.name}: ${s.what}`);
    return;
  }
  const unknown = args.filter((a) => !SEGMENTS.some((s) => s.name === a));
  if (unknown.length) throw new Error(`unknown segment ${unknown.join(', ')} (segments: ${SEGMENTS.map((s) => s.name).join(', ')})`);
  const todo = SEGMENTS.filter((s) => !args.length || args.includes(s.name));
  mkdirSync(OUT, { recursive: true });
  const t0 = Date.now();
  // the longest first: on two cores A (3,400 steps) then C beside B then D, about 4,400 steps each
  const queue = [...todo].sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
  const results: boolean[] = [];
  await Promise.all(Array.from({ length: Math.min(PARALLEL, todo.length) }, async () => {
    for (let s = queue.shift(); s; s = queue.shift()) results.push(await runSegment(s));
  }));
  const failed = results.filter((ok) => !ok).length;
  console.log(`${todo.length - failed} of ${todo.length} segments reproduced in ${((Date.now() - t0) / 3_600_000).toFixed(1)} h`);
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
