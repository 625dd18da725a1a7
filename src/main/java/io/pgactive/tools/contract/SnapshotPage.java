package io.pgactive.tools.contract;

import java.util.List;

/** {@code GET /snapshots}: newest first; {@code nextBefore} pages back ({@code before=}), {@code null} on the last page. */
public record SnapshotPage(List<SnapshotSummary> items, Long nextBefore) {}
