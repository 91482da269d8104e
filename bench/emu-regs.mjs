// Micro-benchmark behind the choice of 64-bit register representation (docs/performance.md).
// Each variant runs the same instruction mix on a 32-entry register file: add, xor, sll by a
// register amount, sltu and a load-style address computation, N times.
const N = 5_000_000;

function bigintRegs() {
  const x = new BigInt64Array(32);
  x[1] = 0x123456789abcdefn; x[2] = 3n; x[3] = -5n;
  let addrSum = 0;
  for (let i = 0; i < N; i++) {
    x[4] = BigInt.asIntN(64, x[1] + x[3]);                       // add
    x[5] = x[4] ^ x[2];                                           // xor
    x[6] = BigInt.asIntN(64, x[5] << (x[2] & 63n));               // sll
    x[7] = BigInt.asUintN(64, x[6]) < BigInt.asUintN(64, x[4]) ? 1n : 0n; // sltu
    addrSum += Number(x[3] + 16n);                                // address
    x[1] = x[6];
  }
  return Number(x[1] & 0xffffn) + addrSum;
}

function pairRegs() {
  const lo = new Int32Array(32), hi = new Int32Array(32);
  lo[1] = 0x89abcdef | 0; hi[1] = 0x01234567; lo[2] = 3; lo[3] = -5; hi[3] = -1;
  let addrSum = 0;
  for (let i = 0; i < N; i++) {
    { const a = lo[1], b = lo[3]; const s = (a + b) | 0; hi[4] = (hi[1] + hi[3] + ((s >>> 0) < (a >>> 0) ? 1 : 0)) | 0; lo[4] = s; }
    lo[5] = lo[4] ^ lo[2]; hi[5] = hi[4] ^ hi[2];
    { const sh = lo[2] & 63, l = lo[5], h = hi[5];
      if (sh === 0) { lo[6] = l; hi[6] = h; }
      else if (sh < 32) { lo[6] = l << sh; hi[6] = (h << sh) | (l >>> (32 - sh)); }
      else { lo[6] = 0; hi[6] = l << (sh - 32); } }
    { const ha = hi[6] >>> 0, hb = hi[4] >>> 0; lo[7] = ha < hb || (ha === hb && (lo[6] >>> 0) < (lo[4] >>> 0)) ? 1 : 0; hi[7] = 0; }
    addrSum += hi[3] * 4294967296 + (lo[3] >>> 0) + 16;
    lo[1] = lo[6]; hi[1] = hi[6];
  }
  return (lo[1] & 0xffff) + addrSum;
}

function interleavedRegs() {
  const r = new Int32Array(64); // r[2i] = lo, r[2i+1] = hi
  r[2] = 0x89abcdef | 0; r[3] = 0x01234567; r[4] = 3; r[6] = -5; r[7] = -1;
  let addrSum = 0;
  for (let i = 0; i < N; i++) {
    { const a = r[2], b = r[6]; const s = (a + b) | 0; r[9] = (r[3] + r[7] + ((s >>> 0) < (a >>> 0) ? 1 : 0)) | 0; r[8] = s; }
    r[10] = r[8] ^ r[4]; r[11] = r[9] ^ r[5];
    { const sh = r[4] & 63, l = r[10], h = r[11];
      if (sh === 0) { r[12] = l; r[13] = h; }
      else if (sh < 32) { r[12] = l << sh; r[13] = (h << sh) | (l >>> (32 - sh)); }
      else { r[12] = 0; r[13] = l << (sh - 32); } }
    { const ha = r[13] >>> 0, hb = r[9] >>> 0; r[14] = ha < hb || (ha === hb && (r[12] >>> 0) < (r[8] >>> 0)) ? 1 : 0; r[15] = 0; }
    addrSum += r[7] * 4294967296 + (r[6] >>> 0) + 16;
    r[2] = r[12]; r[3] = r[13];
  }
  return (r[2] & 0xffff) + addrSum;
}

const variants = { 'BigInt64Array + BigInt ops': bigintRegs, 'Int32Array lo[] + hi[]': pairRegs, 'Int32Array interleaved lo/hi': interleavedRegs };
const results = {};
for (const [name, f] of Object.entries(variants)) f(); // warm up
for (const [name, f] of Object.entries(variants)) {
  const t0 = performance.now();
  const v = f();
  const ms = performance.now() - t0;
  results[name] = v;
  console.log(`${name.padEnd(32)} ${(ms).toFixed(0).padStart(6)} ms  ${(N * 5 / ms / 1000).toFixed(1).padStart(7)} M ops/s`);
}
const vals = new Set(Object.values(results));
if (vals.size !== 1) { console.error('variants disagree', results); process.exit(1); }
