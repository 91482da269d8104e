/*
 * The scale family of bench/scale.mjs (issue 9, "How we will know"): the 8-byte
 * t0-based ftrace entry of f,
 *
 *     f+0: auipc t0, hi(T - f)
 *     f+4: jalr  t0, lo(T - f)(t0)
 *
 * changed from T = ftrace_caller (FC) to T = ftrace_regs_caller (FRC) inside stop_machine,
 * on NHARTS harts: caller i (i < NHARTS-1) pinned to hart i calls f twice; the patcher,
 * pinned to hart NHARTS-1, runs stop_machine() whose last-arriving stopper writes the 8
 * bytes with one sd. The generalisation of ftrace_t0_stop_machine.pml (2 harts) to N, and
 * closer to ftrace-race's transitions where the two differ (docs/semantics.md):
 *
 *  - each instruction fetch is one atomic step reading its 4-byte word of the site;
 *  - a stopper takes its hart and arrives in one step (ftrace-race's `hN>tK` runs the
 *    switched-to task's first visible action with the switch); the runner's write is one
 *    step; every stopper's flush is one step (for the others it follows the wait at once,
 *    as in ftrace-race); the exits wait until every stopper has flushed;
 *  - fetch model `base`: a hart that has not run fence.i since the patch may fetch either
 *    word at the version before the patch (the only older one: there is one patch), each
 *    fetch choosing independently; fence.i (the stoppers' flush) makes it see the patch.
 *    In the families with flush the stale choice is never enabled (every caller's hart
 *    runs fence.i before its stopper gives the hart back), so it costs nothing there.
 *
 * Compile-time parameters (spin -DNAME=VALUE):
 *   NHARTS        2..8 harts (NHARTS-1 callers)
 *   PREEMPT_FULL  1: kernel.preemption full, 0: none
 *   STALE         1: the stoppers do not flush (flush: none), 0: they run fence.i
 *
 * Same immediates as specs/b1-*.yaml and specs/b2-*.yaml, as offsets from f so that
 * everything fits Promela's 32-bit int:
 *   FC  - f = -0xa3f840: hi = -0xa40000 (auipc 0xff5c0), lo =  1984
 *   FRC - f = -0xa3f76c: hi = -0xa3f000 (auipc 0xff5c1), lo = -1900
 */

#ifndef NHARTS
#define NHARTS 2
#endif
#ifndef PREEMPT_FULL
#define PREEMPT_FULL 0
#endif
#ifndef STALE
#define STALE 0
#endif

#define PH      (NHARTS - 1)   /* the patcher's hart */
#define CALLS   2              /* calls of f by each caller */

#define FC_HI   (-10747904)    /* -0xa40000 */
#define FC_LO   1984
#define FRC_HI  (-10743808)    /* -0xa3f000 */
#define FRC_LO  (-1900)
#define FC      (FC_HI + FC_LO)
#define FRC     (FRC_HI + FRC_LO)

/* The two words of the patch site, as the immediates they encode. */
int site_hi = FC_HI;           /* f+0: auipc t0, hi */
int site_lo = FC_LO;           /* f+4: jalr t0, lo(t0) */
bool patched;                  /* the sd has happened: version 1 exists */
bool fenced[NHARTS];           /* hart h ran fence.i after the patch: its fetches see it */

/* Tasks: each hart runs one at a time. */
#define IDLE     0
#define CALLER   1             /* the caller pinned to this hart */
#define PATCHER  2
#define STOPPER  3             /* this hart's stopper */

byte cur[NHARTS];              /* task on each hart */
byte displaced[NHARTS];        /* task the stopper took the hart from */
bool irqs_on[NHARTS];
bool in_f[NHARTS];             /* the caller of hart h is inside f (after its auipc) */
bool patcher_sleeping;         /* the patcher sleeps in stop_machine() */

/* stop_machine: multi_cpu_stop's gather / run / flush / exit */
bool stop_req;
byte gathered;
bool fn_done;
byte flushed;
byte exited;

/*
 * Where the preemption model lets a stopper take hart h from the task running there.
 * full:  before any instruction of a caller (IRQs are on: preempt_count 0 outside the
 *        stoppers), so between its auipc and its jalr too.
 * none:  only at task boundaries: a caller between calls, an idle hart, a sleeping task.
 */
#if PREEMPT_FULL
#define CAN_TAKE(h) (cur[h] == IDLE || (cur[h] == CALLER && irqs_on[h]) || (cur[h] == PATCHER && patcher_sleeping))
#else
#define CAN_TAKE(h) (cur[h] == IDLE || (cur[h] == CALLER && !in_f[h]) || (cur[h] == PATCHER && patcher_sleeping))
#endif

/* Fetch under base: the latest word, or the pre-patch word while this hart has not fenced. */
#define FETCH(dst, word, old) \
	if \
	:: dst = word \
	:: patched && !fenced[h] -> dst = old \
	fi

proctype caller(byte h)
{
	byte n = 0;
	int t0, lo;
	do
	:: n < CALLS ->
		/* jal ra, f: the call itself is immutable code */
		atomic { cur[h] == CALLER -> in_f[h] = true; FETCH(t0, site_hi, FC_HI) }   /* auipc t0, hi */
		atomic {
			cur[h] == CALLER -> FETCH(lo, site_lo, FC_LO);                          /* jalr t0, lo(t0) */
			/* mixed-target: the jalr must land on one of the two trampolines */
			assert(t0 + lo == FC || t0 + lo == FRC);
			t0 = 0; lo = 0                  /* t0 = f+8 (the link) whichever version ran */
		}
		/* trampoline (jr t0), f's body and ret: no site access; back between calls */
		atomic { cur[h] == CALLER -> in_f[h] = false; n++ }
	:: else -> break
	od;
	atomic { cur[h] == CALLER -> cur[h] = IDLE }
}

proctype patcher()
{
	/* ftrace_modify_all_code -> stop_machine(__ftrace_modify_code) */
	atomic { cur[PH] == PATCHER -> stop_req = true; patcher_sleeping = true }
	/* woken when every stopper has exited; returns and ends */
	atomic { exited == NHARTS && cur[PH] == PATCHER -> patcher_sleeping = false; cur[PH] = IDLE }
}

proctype stopper(byte h)
{
	bool last;
	/* cpu_stopper_thread takes the hart when allowed; MULTI_STOP_DISABLE_IRQ; patch_text_cb
	 * counts arrivals (atomic_inc_return) */
	atomic {
		stop_req && CAN_TAKE(h) ->
		displaced[h] = cur[h]; cur[h] = STOPPER;
		irqs_on[h] = false; gathered++; last = (gathered == NHARTS)
	}
	/* MULTI_STOP_RUN: the last hart to arrive patches, the others spin; then each flushes */
	if
	:: atomic { last -> site_hi = FRC_HI; site_lo = FRC_LO; patched = true; fn_done = true }  /* one sd at f */
	   atomic {
#if !STALE
		fenced[h] = true;
#endif
		flushed++
	   }
	:: atomic {
		!last && fn_done ->
#if !STALE
		fenced[h] = true;
#endif
		flushed++
	   }
	fi;
	/* MULTI_STOP_EXIT once every hart has flushed: IRQs back on, the displaced task resumes */
	atomic { flushed == NHARTS -> irqs_on[h] = true; exited++; cur[h] = displaced[h] }
}

init
{
	byte i;
	atomic {
		i = 0;
		do
		:: i < PH -> cur[i] = CALLER; irqs_on[i] = true; run caller(i); i++
		:: else -> break
		od;
		cur[PH] = PATCHER; irqs_on[PH] = true;
		run patcher();
		i = 0;
		do
		:: i < NHARTS -> run stopper(i); i++
		:: else -> break
		od;
		i = 0
	}
}
