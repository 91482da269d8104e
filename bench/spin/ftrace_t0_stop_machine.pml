/*
 * SCENARIOS B1/B2 as a researcher would hand-model them in Promela today: the Linux 6.3
 * t0-based ftrace entry of a traced function f,
 *
 *     f+0: auipc t0, hi(T - f)
 *     f+4: jalr  t0, lo(T - f)(t0)
 *
 * changed from T = ftrace_caller (FC) to T = ftrace_regs_caller (FRC) inside stop_machine,
 * on 2 harts: a caller task pinned to hart 0 calls f, the patcher task pinned to hart 1
 * runs stop_machine(). Instruction fetch is coherent and 4-byte atomic, so each
 * instruction is one atomic step reading its word of the site.
 *
 * Included by b1.pml (PREEMPT_FULL 1) and b2.pml (PREEMPT_FULL 0). Same scenario and
 * immediates as specs/b1-*.yaml and specs/b2-*.yaml: f = 0xffffffff80a4bf30,
 * FC = 0xffffffff8000c6f0, FRC = 0xffffffff8000c7c4, so
 *   FC  - f = -0xa3f840: hi = -0xa40000 (auipc 0xff5c0), lo =  1984
 *   FRC - f = -0xa3f76c: hi = -0xa3f000 (auipc 0xff5c1), lo = -1900
 * Offsets from f are used so everything fits Promela's 32-bit int. The caller calls f
 * twice, as in the specs; f is 8-aligned, so the patch is one `sd` (one atomic step).
 */

#define NHARTS      2
#define CALLS       2          /* calls of f by the caller task */

#define FC_HI   (-10747904)    /* -0xa40000 */
#define FC_LO   1984
#define FRC_HI  (-10743808)    /* -0xa3f000 */
#define FRC_LO  (-1900)
#define FC      (FC_HI + FC_LO)
#define FRC     (FRC_HI + FRC_LO)

/* The two words of the patch site, as the immediates they encode. */
int site_hi = FC_HI;           /* f+0: auipc t0, hi */
int site_lo = FC_LO;           /* f+4: jalr t0, lo(t0) */

/* Tasks: each hart runs one at a time. */
#define IDLE     0
#define CALLER   1
#define PATCHER  2
#define STOPPER  3             /* the stopper of hart h is STOPPER + h */

byte cur[NHARTS];              /* task on each hart */
byte displaced[NHARTS];        /* task the stopper took the hart from */
bool irqs_on[NHARTS];

bool caller_in_f;              /* the caller is between f's first instruction and its return */
bool patcher_sleeping;         /* the patcher sleeps in stop_machine() */

/* stop_machine: multi_cpu_stop's gather / run / exit */
bool stop_req;
byte gathered;
bool fn_done;
byte exited;

/*
 * Where the preemption model lets a stopper take hart h from the task running there.
 * full:  at any instruction boundary of a task with preempt_count == 0 and IRQs on (the
 *        caller's instructions are the atomic steps below, so any point between them).
 * none:  only at task boundaries: the caller outside f, an idle hart or a sleeping task.
 */
#if PREEMPT_FULL
#define CAN_TAKE(h) (cur[h] == IDLE || (cur[h] == CALLER && irqs_on[h]) || (cur[h] == PATCHER && patcher_sleeping))
#else
#define CAN_TAKE(h) (cur[h] == IDLE || (cur[h] == CALLER && !caller_in_f) || (cur[h] == PATCHER && patcher_sleeping))
#endif

proctype caller()
{
	byte n = 0;
	int t0, target;
	do
	:: n < CALLS ->
		/* jal ra, f: the call itself is immutable code */
		atomic { cur[0] == CALLER -> caller_in_f = true; t0 = site_hi }     /* auipc t0, hi */
		atomic { cur[0] == CALLER -> target = t0 + site_lo }                /* jalr t0, lo(t0) */
		/* mixed-target: the jalr must land on one of the two trampolines */
		assert(target == FC || target == FRC);
		/* trampoline (jr t0), f's body and ret: no site access */
		atomic { cur[0] == CALLER -> caller_in_f = false; n++ }
	:: else -> break
	od;
	atomic { cur[0] == CALLER -> cur[0] = IDLE }
}

proctype patcher()
{
	/* ftrace_modify_all_code -> stop_machine(__ftrace_modify_code) */
	atomic { cur[1] == PATCHER -> stop_req = true; patcher_sleeping = true }
	(exited == NHARTS);            /* woken when every stopper has exited */
	atomic { cur[1] == PATCHER -> patcher_sleeping = false; cur[1] = IDLE }
}

proctype stopper(byte h)
{
	bool last;
	/* cpu_stopper_thread: woken by stop_machine, takes the hart when allowed */
	atomic { stop_req && CAN_TAKE(h) -> displaced[h] = cur[h]; cur[h] = STOPPER + h }
	/* MULTI_STOP_DISABLE_IRQ; patch_text_cb counts arrivals */
	atomic { irqs_on[h] = false; gathered++; last = (gathered == NHARTS) }
	(gathered == NHARTS);
	/* MULTI_STOP_RUN: the last hart to arrive runs the patch, the others spin */
	if
	:: last ->
		atomic { site_hi = FRC_HI; site_lo = FRC_LO }   /* patch_text_nosync: one sd at f */
		fn_done = true
	:: else -> fn_done
	fi;
	/* flush_icache_all / local fence.i: no state under coherent fetch */
	/* MULTI_STOP_EXIT: IRQs back on, the displaced task resumes */
	atomic { irqs_on[h] = true; exited++; cur[h] = displaced[h] }
}

init
{
	atomic {
		cur[0] = CALLER; cur[1] = PATCHER;
		irqs_on[0] = true; irqs_on[1] = true;
		run caller(); run patcher();
		run stopper(0); run stopper(1)
	}
}
