package io.pgactive.tools.contract;

import java.util.List;

/** A list answer that is not paged ({@code GET /nodes}, {@code GET /conflicts}). */
public record Items<T>(List<T> items) {}
