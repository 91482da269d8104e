// One fuzz worker process: runs cases through the bundled `main(argv, io)` in this process and
// reports exit code, output, time and this case's peak RSS. The parent (harness.mjs) kills
// and replaces the process when a case runs past its time or memory budget or kills it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const [bundle, root] = process.argv.slice(2);
const { main } = await import(bundle);

// The case directory is one level down, so that `..` on a command line is a directory of the
// harness's own (holding only the case directory), not the system's temporary directory.
const top = join(tmpdir(), `ftrace-race-fuzz-${process.pid}`);
const work = join(top, 'case');
rmSync(top, { recursive: true, force: true });
mkdirSync(join(work, 'dir'), { recursive: true });
symlinkSync(join(root, 'specs'), join(work, 'specs'));
symlinkSync(join(root, 'fixtures'), join(work, 'fixtures'));
try { execFileSync('mkfifo', [join(work, 'fifo')]); } catch { /* no mkfifo: the fifo cases see a missing file */ }
process.on('exit', () => rmSync(top, { recursive: true, force: true }));

const status = (key) => Number(new RegExp(`${key}:\\s*(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
const resetPeak = () => { try { writeFileSync('/proc/self/clear_refs', '5'); } catch { /* not Linux: peak since start */ } };
const MAX_OUT = 1 << 20;

// Every case starts from the same directory: what a case wrote (a shard file, a report, a
// checkpoint) is removed, or running it again would find it there (`--shard-out` refuses an
// existing file) and differ.
const KEEP = new Set(['dir', 'specs', 'fixtures', 'fifo']);
process.on('message', async (msg) => {
  for (const f of readdirSync(work)) if (!KEEP.has(f)) rmSync(join(work, f), { recursive: true, force: true });
  for (const f of readdirSync(join(work, 'dir'))) rmSync(join(work, 'dir', f), { recursive: true, force: true });
  for (const [name, content] of Object.entries(msg.case.files)) {
    writeFileSync(join(work, name), typeof content === 'string' ? content : Buffer.from(content));
  }
  const out = [], err = [];
  let outLen = 0, errLen = 0;
  const text = (t) => (typeof t === 'string' ? t : Buffer.from(t).toString('latin1'));
  const io = {
    isTTY: false,
    env: { NO_COLOR: '1' },
    cwd: work,
    // The first MAX_OUT characters of each stream are kept (a longer single write is cut,
    // not dropped: a case whose one stderr line is megabytes long is not a silent exit 2).
    stdout(t) { const s = text(t); if (outLen < MAX_OUT) out.push(s.slice(0, MAX_OUT - outLen)); outLen += s.length; },
    stderr(t) { const s = text(t); if (errLen < MAX_OUT) err.push(s.slice(0, MAX_OUT - errLen)); errLen += s.length; },
    // Standard input is the case's own bytes (empty unless the case gives some), never the
    // process's: a `-` on the command line reads them as the CLI reads a pipe, with its cap.
    stdinIsTTY: false,
    readStdin(maxBytes) {
      const s = msg.case.stdin ?? '';
      const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s);
      return b.subarray(0, maxBytes + 1);
    },
  };
  resetPeak();
  const beforeKb = status('VmRSS');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let code;
  try {
    code = await main(msg.case.argv, io);
  } catch (e) {
    code = 'threw';
    err.push(`main threw: ${e?.stack ?? e}`);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.send({ id: msg.id, code, stdout: out.join(''), stderr: err.join(''), outLen, errLen, ms, cpuMs: (cpu.user + cpu.system) / 1000, beforeKb, peakKb: status('VmHWM') });
});
process.send({ ready: true });
