/* SCENARIOS B1: 6.3 t0 entry, FC -> FRC under stop_machine, preemption full: unsafe. */
#define PREEMPT_FULL 1
#include "ftrace_t0_stop_machine.pml"
