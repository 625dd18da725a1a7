package io.pgactive.tools.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Hands out snapshot versions that are never reused, even after a crash. It persists a high-water mark ahead of the
 * versions in use (a block of {@code reserve} versions at a time, written atomically and fsynced), so a restart starts
 * above anything that could have been published and the disk is touched once per block, not once per snapshot.
 */
public final class VersionSequence {

    private final Path file;
    private final long reserve;
    private long next;
    private long reservedUpTo;

    public VersionSequence(Path file, long reserve) {
        this.file = file;
        this.reserve = reserve;
        long stored = read(file);
        this.next = stored + 1;
        this.reservedUpTo = stored;
    }

    /** The next version; blocks briefly to persist a new reservation once per {@code reserve} versions. */
    public synchronized long next() {
        if (next > reservedUpTo) {
            persist(next + reserve - 1);
        }
        return next++;
    }

    /** The last version handed out, or the persisted mark before any. */
    public synchronized long current() {
        return next - 1;
    }

    private void persist(long upTo) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap((upTo + "\n").getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            reservedUpTo = upTo;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist the snapshot version mark to " + file, e);
        }
    }

    private static long read(Path file) {
        try {
            if (!Files.exists(file)) {
                return 0;
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("unreadable snapshot version mark " + file
                    + " (refusing to start: versions could be reused); fix or remove it knowingly", e);
        }
    }
}
