package io.pgactive.tools.snapshot;

/**
 * Hands out snapshot versions that are never reused, even after a crash. It persists a high-water mark ahead of the
 * versions in use (a block of {@code reserve} versions at a time, durably), so a restart starts above anything that
 * could have been published and storage is touched once per block, not once per snapshot.
 */
public final class VersionSequence {

    /** Where the high-water mark lives; {@link #reserve(long)} must be durable when it returns. */
    public interface Mark {

        /** The highest version ever reserved, 0 when none. */
        long read();

        void reserve(long upTo);
    }

    private final Mark mark;
    private final long reserve;
    private long next;
    private long reservedUpTo;

    public VersionSequence(Mark mark, long reserve) {
        this.mark = mark;
        this.reserve = reserve;
        long stored = mark.read();
        this.next = stored + 1;
        this.reservedUpTo = stored;
    }

    /** The next version; blocks briefly to persist a new reservation once per {@code reserve} versions. */
    public synchronized long next() {
        if (next > reservedUpTo) {
            long upTo = next + reserve - 1;
            mark.reserve(upTo);
            reservedUpTo = upTo;
        }
        return next++;
    }

    /** The last version handed out, or the persisted mark before any. */
    public synchronized long current() {
        return next - 1;
    }
}
