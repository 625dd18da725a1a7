package io.pgactive.tools.contract;

import java.util.List;

/** {@code GET /events}: newest first; {@code nextBeforeId} pages back ({@code before_id=}), {@code null} on the last page. */
public record EventPage(List<Event> items, Long nextBeforeId) {}
