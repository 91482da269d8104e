/**
 * RV64M semantic units (ISA manual, chapter "M Extension for Integer Multiplication and
 * Division"). Division never traps: the helpers implement the table of results for division
 * by zero and signed overflow.
 */
import { dst, hi, lo, reload, set, set32, TWO32, Unit } from './sem.js';

const rr = (fn: string, kind: number): Unit => (i) =>
  `H.${fn}(r,${dst(i.rd)},${lo(i.rs1)},${hi(i.rs1)},${lo(i.rs2)},${hi(i.rs2)}${kind >= 0 ? `,${kind}` : ''});${reload(i.rd)}`;

/**
 * div/rem/divu/remu (kind 0..3 as H.div): the helper's first fast path inline (a dividend
 * below 2^52 in magnitude and a nonzero divisor that fits in 32 bits: one double division,
 * exact by the argument at H.div), the helper for everything else.
 */
const divide = (kind: number): Unit => (i) => {
  const signed = kind < 2, isRem = kind === 1 || kind === 3;
  return `{const al_=${lo(i.rs1)},ah_=${hi(i.rs1)},bl_=${lo(i.rs2)},bh_=${hi(i.rs2)};` +
    `if(ah_>=-1048576&&ah_<1048576&&bl_!==0&&${signed ? 'bh_===(bl_>>31)' : 'bh_===0&&ah_>=0'}){` +
    `const a_=ah_*${TWO32}+(al_>>>0),b_=${signed ? 'bl_' : '(bl_>>>0)'},q_=Math.trunc(a_/b_),v_=${isRem ? 'a_-q_*b_' : 'q_'};` +
    set(i.rd, 'v_|0', `Math.floor(v_/${TWO32})|0`) +
    `}else{H.div(r,${dst(i.rd)},al_,ah_,bl_,bh_,${kind});${reload(i.rd)}}}`;
};

export const rv64m: Record<string, Unit> = {
  // Inline (the hot one): low word by Math.imul; high word = high half of lo*lo (16-bit limbs,
  // exact in doubles) + the two cross products' low words.
  // Fast path: both operands are sign-extended 32-bit values and their product, as a double,
  // is below 2^53 in magnitude. Rounding is monotonic and 2^53 is representable, so a rounded
  // product below 2^53 means the exact one is too, and is then exact: its high word is
  // floor(p / 2^32).
  mul: (i) => {
    if (i.rd === 0) return '';
    const a = lo(i.rs1), b = lo(i.rs2), ah = hi(i.rs1), bh = hi(i.rs2);
    return `{const a_=${a},b_=${b};let p_=0;` +
      `if(${ah}===(a_>>31)&&${bh}===(b_>>31)&&(p_=a_*b_)<${2 ** 53}&&p_>${-(2 ** 53)}){` +
      set(i.rd, 'Math.imul(a_,b_)', `Math.floor(p_/${2 ** 32})|0`) + '}else{' +
      `const a0_=a_&65535,a1_=a_>>>16,b0_=b_&65535,b1_=b_>>>16;` +
      `const m_=a1_*b0_+a0_*b1_+((a0_*b0_)>>>16);` +
      set(i.rd, 'Math.imul(a_,b_)', `(a1_*b1_+Math.floor(m_/65536)+Math.imul(a_,${bh})+Math.imul(${ah},b_))|0`) + '}}';
  },
  mulh: rr('mulh', 0),
  mulhsu: rr('mulh', 1),
  mulhu: rr('mulh', 2),
  div: divide(0),
  rem: divide(1),
  divu: divide(2),
  remu: divide(3),
  mulw: (i) => set32(i.rd, `Math.imul(${lo(i.rs1)},${lo(i.rs2)})`),
  divw: (i) => set32(i.rd, `H.divw(${lo(i.rs1)},${lo(i.rs2)})`),
  divuw: (i) => set32(i.rd, `H.divuw(${lo(i.rs1)},${lo(i.rs2)})`),
  remw: (i) => set32(i.rd, `H.remw(${lo(i.rs1)},${lo(i.rs2)})`),
  remuw: (i) => set32(i.rd, `H.remuw(${lo(i.rs1)},${lo(i.rs2)})`),
};
