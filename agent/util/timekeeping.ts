/**
 * Constants of the kernel and the hypervisors that rules, derived values and the model all need
 * (sources in docs/model.md). A leaf: everything above may import it.
 */

/** Kernel PLL / adjtime() frequency limit (timex.h MAXFREQ): 500 ppm, as a fraction. */
export const KERNEL_MAXFREQ = 500e-6;

/** ACPI PM timer rate (acpi_pmtmr.h `PMTMR_TICKS_PER_SEC`), Hz. */
export const ACPI_PM_HZ = 3_579_545;

/** VirtualBox TM gives up catching up a lag longer than this: `CatchUpGiveUpThreshold`, default 60 s (TM.cpp). */
export const VBOX_CATCH_UP_GIVE_UP_SECONDS = 60;
