package io.pgactive.tools.workflow.guard;

/** An operator's instruction to a running guard, with the reason that goes into the record. */
public record GuardOverride(Action action, String reason) {

    public static final int MAX_REASON = 200;

    public enum Action {
        /** pause writes now and keep them paused whatever the lag */
        PAUSE,
        /** open writes now and keep them open whatever the lag */
        RESUME,
        /** hand the gate back to the lag rules (also clears an escalation) */
        RELEASE
    }
}
