/* SPDX-License-Identifier: MIT */
/* Test-only crash points: PINFOLD_TEST_KILL_AT makes the process kill itself at the Nth write, fsync or rename. */
#ifndef PF_CORE_FAULT_H
#define PF_CORE_FAULT_H

/*
 * The crash-consistency tests (tests/harden/crash.sh) set
 * PINFOLD_TEST_KILL_AT=KIND:N (KIND: write, fsync or rename; N >= 1) and the
 * process sends itself SIGKILL just before its Nth such operation, so every
 * point where an output is half done can be tried. Unset (always, outside
 * those tests) it does nothing. Harmless by construction: the only thing it
 * can do is end the process that reads it, which its caller could do anyway.
 */
enum pf_fault_kind { PF_FAULT_WRITE, PF_FAULT_FSYNC, PF_FAULT_RENAME };
void pf_fault(enum pf_fault_kind kind);

#endif
