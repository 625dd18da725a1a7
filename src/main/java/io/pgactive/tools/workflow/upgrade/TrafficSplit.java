package io.pgactive.tools.workflow.upgrade;

/**
 * Where new connections go, as read back from the router.
 *
 * @param targetPercent share of new connections sent to the target, 0–100
 * @param held          new transactions are being held (clients wait) for a cutover or a rollback
 * @param detail        the router's own view in one line, e.g. "haproxy pg/source weight 192, pg/target weight 64"
 */
public record TrafficSplit(int targetPercent, boolean held, String detail) {

    public TrafficSplit {
        if (targetPercent < 0 || targetPercent > 100) {
            throw new IllegalArgumentException("targetPercent must be within 0..100: " + targetPercent);
        }
    }
}
