/**
 * The framing of the files a search writes (checkpoints, explore/checkpoint.ts; shard files,
 * cli/shard.ts): a magic line, the byte length of a JSON header on the next line, the header,
 * then arrays of 32-bit words, little-endian, in the order the header gives their lengths.
 */

export function encodeFramed(magic: string, header: unknown, blobs: readonly ArrayLike<number>[]): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const pre = new TextEncoder().encode(`${magic}\n${head.length}\n`);
  const words = blobs.reduce((n, x) => n + x.length, 0);
  const out = new Uint8Array(pre.length + head.length + words * 4);
  out.set(pre, 0);
  out.set(head, pre.length);
  const view = new DataView(out.buffer);
  let at = pre.length + head.length;
  for (const x of blobs) for (let i = 0; i < x.length; i++, at += 4) view.setUint32(at, x[i], true);
  return out;
}

/**
 * The header of a framed file, and a reader of its word arrays: `words(lengths)` returns them,
 * and fails unless they fill the rest of the file exactly. `bad(why)` makes the error (each
 * kind of file names itself).
 */
export function decodeFramed(bytes: Uint8Array, magic: string, bad: (why: string) => Error): { header: unknown; words(lengths: readonly number[], what: string): Uint32Array[] } {
  const nl1 = bytes.indexOf(10);
  if (nl1 < 0 || new TextDecoder().decode(bytes.subarray(0, nl1)) !== magic) throw bad(`it does not start with '${magic}'`);
  const nl2 = bytes.indexOf(10, nl1 + 1);
  const len = Number(new TextDecoder().decode(bytes.subarray(nl1 + 1, nl2)));
  if (nl2 < 0 || !Number.isSafeInteger(len) || len <= 0 || nl2 + 1 + len > bytes.length) throw bad('its header is cut short');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(nl2 + 1, nl2 + 1 + len)));
  } catch {
    throw bad('its header is not JSON');
  }
  const start = nl2 + 1 + len;
  return {
    header,
    words(lengths, what) {
      if (start + lengths.reduce((n, w) => n + w * 4, 0) !== bytes.length) throw bad(`${what} cut short`);
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      let at = start;
      return lengths.map((n) => {
        const x = new Uint32Array(n);
        for (let i = 0; i < n; i++, at += 4) x[i] = view.getUint32(at, true);
        return x;
      });
    },
  };
}
