package io.pgactive.tools.collect;

/** PostgreSQL WAL positions ({@code X/Y} hex) as unsigned 64-bit numbers: exact arithmetic, never floats. */
final class Lsn {

    private Lsn() {}

    /** The position, or -1 when the text is null or not an LSN. */
    static long parse(String text) {
        if (text == null) {
            return -1;
        }
        int slash = text.indexOf('/');
        if (slash <= 0) {
            return -1;
        }
        try {
            long hi = Long.parseLong(text.substring(0, slash), 16);
            long lo = Long.parseLong(text.substring(slash + 1), 16);
            return (hi << 32) | (lo & 0xFFFFFFFFL);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
