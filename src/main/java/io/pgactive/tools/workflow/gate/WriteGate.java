package io.pgactive.tools.workflow.gate;

import io.pgactive.tools.contract.gate.GateState;

/**
 * Pauses and resumes the writes of one database, for workflows that must hold writes while replication catches up.
 *
 * <p>Every method blocks until the enforcing system answered (or its timeout elapsed) and must not be called on an
 * event loop thread; workflows call it from activity threads. {@link #pause()} and {@link #resume()} are idempotent:
 * a retried call never fails because the gate is already in the wanted state, and both return the state read back
 * from the system afterwards rather than the state that was asked for, so a caller sees when the system did not
 * follow.
 *
 * <p>Failures are reported as {@link WriteGateException}.
 */
public interface WriteGate {

    /** Short name of the gate, used in logs, errors and workflow history. */
    String name();

    /** Where the gate acts (address and database), without any password. */
    String describe();

    /** The gate's current state, read from the enforcing system. */
    GateState state();

    /** Holds new writes; returns the state read back afterwards. */
    GateState pause();

    /** Lets writes through again; returns the state read back afterwards. */
    GateState resume();
}
