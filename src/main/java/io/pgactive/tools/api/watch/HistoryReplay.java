package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.json.MergePatch;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Rebuilds the deltas a resuming stream missed from the versions the history database kept, when the in-memory window
 * no longer reaches back far enough. Each delta is the merge patch between two consecutive stored versions, exactly
 * what the live stream sent. A page at a time, so a stream resuming from hours ago holds one page and one state, not
 * hours of frames. Reading blocks: call it on a worker thread.
 */
final class HistoryReplay {

    /** Versions read and encoded per step. */
    static final int PAGE = 64;

    private HistoryReplay() {}

    /**
     * Where a replay stands.
     *
     * @param next     the next version to send
     * @param last     the last version to take from the history (later ones come from memory)
     * @param state    the canonical state at {@code next - 1}, or null before the first page
     * @param previous the version at {@code next - 1}, for the node statuses a status filter compares
     */
    record Cursor(long next, long last, ObjectNode state, WatchVersion previous) {

        static Cursor after(long since, long last) {
            return new Cursor(since + 1, last, null, null);
        }

        boolean done() {
            return next > last;
        }
    }

    /**
     * One step of a replay.
     *
     * @param frames  the deltas to send, in order
     * @param after   where the replay stands after them
     * @param missing a version the history no longer holds whole (expired or thinned), or null
     */
    record Page(List<byte[]> frames, Cursor after, Long missing, String why) {

        static Page missing(Cursor at, long version) {
            return new Page(List.of(), at, version, "version " + version + " is no longer in the history");
        }

        Page because(String why) {
            return new Page(frames, after, missing, why);
        }
    }

    /**
     * Reads the next page.
     *
     * @param stored the published JSON of a version, empty when the history does not hold it whole
     */
    static Page read(LongFunction<Optional<byte[]>> stored, Cursor at, NodeFilter filter) {
        ObjectNode state = at.state();
        WatchVersion previous = at.previous();
        if (state == null) {
            long base = at.next() - 1;
            Optional<byte[]> json = stored.apply(base);
            if (json.isEmpty()) {
                return Page.missing(at, base);
            }
            state = parse(json.get());
            previous = new WatchVersion(base, null, state, null);
        }
        long end = Math.min(at.last(), at.next() + PAGE - 1);
        List<byte[]> frames = new ArrayList<>();
        for (long v = at.next(); v <= end; v++) {
            Optional<byte[]> json = stored.apply(v);
            if (json.isEmpty()) {
                return Page.missing(at, v);
            }
            ObjectNode next = parse(json.get());
            WatchVersion version = new WatchVersion(v, MergePatch.diff(state, next), next, previous);
            frames.add(version.delta(filter));
            version.superseded(); // the cursor keeps the one state the next page needs
            state = next;
            previous = version;
        }
        return new Page(frames, new Cursor(end + 1, at.last(), state, previous), null, null);
    }

    private static ObjectNode parse(byte[] json) {
        try {
            return MergePatch.canonical((ObjectNode) SnapshotJson.MAPPER.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
