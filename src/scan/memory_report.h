/*
 * A memory report for measuring a scan (docs/bench.md, "Where the memory
 * goes"): with STSDANE_MEMORY_REPORT=N in the environment, every N rows
 * written and once at the end, one line on standard error with the
 * process's RSS and high-water mark, glibc's heap figures (mallinfo2: in
 * use, free inside the heap, mmapped), and what each bounded structure
 * holds. Off by default; it reads /proc/self/status, so it costs nothing
 * unless asked for.
 */
#ifndef SD_SCAN_MEMORY_REPORT_H
#define SD_SCAN_MEMORY_REPORT_H

#include <stdint.h>

#include "core/engine.h"
#include "scan/window.h"

/* Rows between reports from STSDANE_MEMORY_REPORT, or 0 (no reports). */
uint64_t sd_memory_report_every(void);

/* One line to standard error; label says when ("rows", "end"). */
void sd_memory_report(const char *label, uint64_t rows, const sd_engine *engine, const sd_window *window);

#endif
