package io.pgactive.tools.contract.guard;

/** Who decides the gate: the lag rules, or an operator's override. */
public enum GuardMode {
    /** the lag rules decide */
    AUTO,
    /** an operator paused writes; they stay paused until released */
    HELD_PAUSED,
    /** an operator opened writes; lag does not pause them until released */
    HELD_OPEN,
    /**
     * writes stayed paused longer than {@code max_pause}: they were resumed and the guard does not pause again until lag
     * has recovered or an operator releases it
     */
    ESCALATED
}
