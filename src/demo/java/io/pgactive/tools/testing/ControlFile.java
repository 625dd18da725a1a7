package io.pgactive.tools.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * Rewrites the system identifier of a stopped data directory.
 *
 * <p>Nodes are cloned from one template, so without this they would all share the template's identifier,
 * which real, separately initialised servers never do. The identifier lives in the first 8 bytes of
 * {@code global/pg_control} (protected by a CRC-32C stored right after the struct) and in the long page
 * header at the start of every WAL segment, which recovery compares with pg_control.
 */
final class ControlFile {

    /** Offset of xlp_sysid in XLogLongPageHeaderData (after the 24-byte short header). */
    private static final int WAL_SYSID_OFFSET = 24;

    private static final AtomicLong LAST = new AtomicLong();

    private ControlFile() {}

    /** An identifier built the way initdb builds one (seconds in the high half), unique in this JVM. */
    static long newSystemIdentifier() {
        long now = System.currentTimeMillis();
        long candidate = ((now / 1000) << 32)
                | ((now % 1000) << 22)
                | (ProcessHandle.current().pid() & 0xFFF) << 10;
        return LAST.updateAndGet(prev -> Math.max(prev + 1, candidate));
    }

    static long readSystemIdentifier(Path dataDir) throws IOException {
        byte[] b = Files.readAllBytes(dataDir.resolve("global/pg_control"));
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    static void setSystemIdentifier(Path dataDir, long sysid) throws IOException {
        Path ctl = dataDir.resolve("global/pg_control");
        byte[] b = Files.readAllBytes(ctl);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int crcOffset = findCrcOffset(b, bb);
        long old = bb.getLong(0);
        bb.putLong(0, sysid);
        CRC32C crc = new CRC32C();
        crc.update(b, 0, crcOffset);
        bb.putInt(crcOffset, (int) crc.getValue());
        Files.write(ctl, b);

        try (DirectoryStream<Path> segments = Files.newDirectoryStream(dataDir.resolve("pg_wal"), "[0-9A-F]*")) {
            for (Path seg : segments) {
                if (seg.getFileName().toString().length() != 24 || !Files.isRegularFile(seg)) {
                    continue;
                }
                try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    ByteBuffer id = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                    ch.read(id, WAL_SYSID_OFFSET);
                    if (id.getLong(0) == old) {
                        id.clear();
                        id.putLong(0, sysid);
                        ch.write(id, WAL_SYSID_OFFSET);
                    }
                }
            }
        }
    }

    /** The CRC is the last field of ControlFileData; its offset differs between versions, so find it. */
    private static int findCrcOffset(byte[] b, ByteBuffer bb) {
        for (int off = 16; off <= 2048 && off + 4 <= b.length; off += 4) {
            CRC32C crc = new CRC32C();
            crc.update(b, 0, off);
            if ((int) crc.getValue() == bb.getInt(off)) {
                return off;
            }
        }
        throw new IllegalStateException("pg_control: CRC not found");
    }
}
