package io.pgactive.tools.contract;

import com.fasterxml.jackson.annotation.JsonView;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import java.time.Instant;

/**
 * One point of a node's history ({@code GET /nodes/{name}/history}): a stored sample, a minute that retention folded
 * samples into, or, when a step was asked for, a bucket of those.
 *
 * @param status        the worst status among the samples behind the point
 * @param lagSeconds    the mean lag over those samples
 * @param lagSecondsMax the highest lag among them; only buckets carry it (a sample's is its lag), so points without
 *                      a step are written in the {@link Samples} view, which leaves it out
 * @param samples       how many samples the point stands for
 */
public record HistoryPoint(
        Instant at,
        NodeStatus status,
        Double lagSeconds,
        @JsonView(Buckets.class) Double lagSecondsMax,
        Long lagBytes,
        Long lagXid,
        Integer conflictCount,
        Long conflictsTotal,
        Boolean walsenderActive,
        Boolean walReceiverActive,
        Boolean inRecovery,
        Integer samples) {

    /** The JSON view of points without a step. */
    public interface Samples {}

    /** The JSON view of points aggregated per step. */
    public interface Buckets {}
}
