/* SCENARIOS B2: 6.3 t0 entry, FC -> FRC under stop_machine, preemption none: safe. */
#define PREEMPT_FULL 0
#include "ftrace_t0_stop_machine.pml"
