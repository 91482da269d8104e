/**
 * Reading the files a command is given, as untrusted input: a regular file only (a device,
 * FIFO, socket or directory is refused without reading, so `/dev/zero` or a pipe cannot make
 * the tool read forever), and never more than a size cap.
 */
import { closeSync, constants, fstatSync, openSync, readSync, Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadSpec, LoadOptions, LoadResult } from '../spec/load.js';
import { DEFAULT_LIMITS } from '../spec/limits.js';

/** A file that cannot be used as input; `message` is one line without the file name. */
export class InputFileError extends Error {
  /** The errno code when the system refused (ENOENT, EACCES, ...). */
  readonly code?: string;

  constructor(message: string, readonly reason: 'open' | 'type' | 'size' | 'read', code?: string) {
    super(message);
    if (code) this.code = code;
  }
}

function kind(st: Stats): string {
  if (st.isDirectory()) return 'is a directory';
  if (st.isFIFO()) return 'is a FIFO (named pipe), not a regular file';
  if (st.isCharacterDevice()) return 'is a character device, not a regular file';
  if (st.isBlockDevice()) return 'is a block device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

/**
 * Reads a regular file of at most `maxBytes` bytes. Opened non-blocking, so opening a FIFO
 * does not wait for a writer; the size is checked on the open descriptor and again while
 * reading (files in /proc report size 0).
 */
export function readInputFile(path: string, maxBytes: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputFileError(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot open (${code ?? (e as Error).message})`, 'open', code);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputFileError(kind(st), 'type');
    if (st.size > maxBytes) throw new InputFileError(`${st.size} bytes, more than the ${maxBytes} allowed`, 'size');
    const buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(st.size, 64 << 10)));
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (len > maxBytes) throw new InputFileError(`more than the ${maxBytes} bytes allowed`, 'size');
        break;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    return buf.subarray(0, len);
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new InputFileError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'read', (e as NodeJS.ErrnoException).code);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a stream (standard input) until end of file, but at most `maxBytes + 1` bytes: more
 * than `maxBytes` says the input is over the cap, and the rest is never read, so an endless
 * writer (`cat /dev/zero |`) costs at most the cap. A descriptor in non-blocking mode (EAGAIN)
 * is polled every 10 ms.
 */
export function readCapped(fd: number, maxBytes: number): Uint8Array {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 << 10);
  let len = 0;
  while (len <= maxBytes) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, Math.min(buf.length, maxBytes + 1 - len), null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    len += n;
  }
  return Buffer.concat(chunks);
}

/**
 * Reads and loads a spec file: the file with the specBytes cap (a problem with it is a
 * diagnostic at line 1 like any other), files it names (`elf:`) with the elfBytes cap,
 * relative to the spec.
 */
export function loadSpecFile(file: string, shown: string, opts: Pick<LoadOptions, 'overrides' | 'limits'> = {}): LoadResult {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  let text: string;
  try {
    text = new TextDecoder().decode(readInputFile(file, limits.specBytes));
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    const message = e.reason === 'size' ? `the spec file is ${e.message} (limit specBytes)` : `cannot read the spec: ${e.reason === 'type' ? 'it ' : ''}${e.message}`;
    return { diagnostics: [{ code: e.reason === 'size' ? 'limit' : 'io', file: shown, line: 1, column: 1, message }] };
  }
  return loadSpec(text, shown, {
    ...opts,
    readFile: (p: string) => readInputFile(p, limits.elfBytes),
    resolvePath: (p: string) => resolve(dirname(file), p),
  });
}

/** Loads a spec given as text (standard input): the specBytes cap, files it names relative to `dir`. */
export function loadSpecText(text: string, shown: string, dir: string, opts: Pick<LoadOptions, 'overrides' | 'limits'> = {}): LoadResult {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  if (text.length > limits.specBytes) {
    return { diagnostics: [{ code: 'limit', file: shown, line: 1, column: 1, message: `the spec is ${text.length} bytes, more than ${limits.specBytes} (limit specBytes)` }] };
  }
  return loadSpec(text, shown, {
    ...opts,
    readFile: (p: string) => readInputFile(p, limits.elfBytes),
    resolvePath: (p: string) => resolve(dir, p),
  });
}
