package io.pgactive.tools.contract.failover;

/**
 * What the rules concluded.
 *
 * @param proceed           false: refused, {@code reason} says why and nothing was changed
 * @param planned           the primary is healthy and the operator forced a switchover: writes are held and the
 *                          standby catches up before promotion
 * @param standby           the standby to promote ({@code null} when refused)
 * @param possibleLossBytes WAL the old primary had that the standby had not received (0 for a synchronous standby
 *                          or a planned switchover, -1 when unknown)
 */
public record FailoverDecision(
        boolean proceed, boolean planned, String standby, String reason, long possibleLossBytes) {

    public static FailoverDecision refuse(String reason) {
        return new FailoverDecision(false, false, null, reason, -1);
    }
}
