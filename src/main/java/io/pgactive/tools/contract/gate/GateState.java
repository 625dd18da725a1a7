package io.pgactive.tools.contract.gate;

/** Whether a {@link WriteGate} lets writes through, as read back from the system that enforces it. */
public enum GateState {
    /** Writes pass. */
    OPEN,
    /**
     * New transactions are held, but transactions that were already running when the pause began have not finished
     * yet, so writes may still land until they do.
     */
    PAUSING,
    /** No transaction runs through the gate; new ones wait until it opens again. */
    PAUSED
}
