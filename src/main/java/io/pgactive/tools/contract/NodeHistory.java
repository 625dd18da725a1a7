package io.pgactive.tools.contract;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /nodes/{name}/history}: the points in [from, to), aggregated per {@code step} when one was asked.
 *
 * @param step an ISO-8601 duration such as {@code PT1M}, {@code null} for stored samples as they are
 */
public record NodeHistory(String node, Instant from, Instant to, String step, List<HistoryPoint> points) {}
