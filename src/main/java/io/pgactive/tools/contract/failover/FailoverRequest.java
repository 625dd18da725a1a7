package io.pgactive.tools.contract.failover;

import java.util.ArrayList;
import java.util.List;

/**
 * What an operator (or the automatic policy) asks for: promote a standby of {@code primary}.
 *
 * @param primary   the configured node that is (or was) the primary
 * @param force     a planned switchover when the primary is healthy, and acceptance of a lag over the maximum
 * @param toStandby the standby to promote; {@code null} lets the rules choose
 * @param reason    free text for the history ({@code null} allowed)
 * @param resyncOldPrimary after the failover completes, rebuild {@code primary} as a standby of the promoted node once
 *     it answers again (a resync of its own, which the failover starts and does not wait for)
 */
public record FailoverRequest(
        String primary, boolean force, String toStandby, String reason, boolean resyncOldPrimary) {

    public FailoverRequest(String primary, boolean force, String toStandby, String reason) {
        this(primary, force, toStandby, reason, false);
    }

    public static final String NODE_NAME = "[A-Za-z0-9_.-]{1,63}";

    /** One line per problem; empty when the request is well formed. */
    public static List<String> validate(FailoverRequest r) {
        List<String> problems = new ArrayList<>();
        if (r == null) {
            return List.of("body: a JSON object with 'primary' is required");
        }
        if (r.primary() == null || !r.primary().matches(NODE_NAME)) {
            problems.add("primary: a node name of 1 to 63 letters, digits, '_', '.' or '-' is required");
        }
        if (r.toStandby() != null && !r.toStandby().matches(NODE_NAME)) {
            problems.add("to: not a node name: '" + r.toStandby() + "'");
        }
        if (r.toStandby() != null && r.toStandby().equals(r.primary())) {
            problems.add("to: the standby to promote must differ from the primary");
        }
        if (r.reason() != null && r.reason().length() > 500) {
            problems.add("reason: at most 500 characters");
        }
        return problems;
    }
}
