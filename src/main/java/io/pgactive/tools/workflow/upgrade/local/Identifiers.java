package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Names the local ports put into statements that cannot take bind parameters (CREATE DATABASE, CREATE SUBSCRIPTION)
 * or onto the file system. Node names are validated; SQL identifiers are quoted the way {@code quote_ident} does.
 */
final class Identifiers {

    /** The service's own rule for node names; none of them can be "." or ".." or contain a "/". */
    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    /** PostgreSQL's limit for names (NAMEDATALEN - 1) and its alphabet for replication slots. */
    private static final int MAX_NAME = 63;

    private static final Pattern SLOT_SAFE = Pattern.compile("[a-z0-9_]+");
    private static final int HASH_CHARS = 8;

    private Identifiers() {}

    static String requireNodeName(String node) {
        if (node == null || !NODE.matcher(node).matches()) {
            throw new UpgradeException(
                    "node name must be 1-63 letters, digits, '_', '.' or '-', starting with a " + "letter or digit: '"
                            + node + "'",
                    false);
        }
        return node;
    }

    /** A double-quoted identifier; the text stays exactly what the catalog holds. */
    static String quote(String identifier) {
        if (identifier == null || identifier.isEmpty() || identifier.indexOf('\0') >= 0) {
            throw new UpgradeException("invalid SQL identifier", false);
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /**
     * {@code prefix_node} as a name that is also a valid replication slot name ({@code [a-z0-9_]}, at most 63
     * characters). A node name that has to be changed to fit gets a short hash of the original, so that two node
     * names never share objects.
     */
    static String objectName(String prefix, String node) {
        requireNodeName(node);
        String plain = prefix + "_" + node;
        if (SLOT_SAFE.matcher(plain).matches() && plain.length() <= MAX_NAME) {
            return plain;
        }
        String safe = node.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        int room = MAX_NAME - prefix.length() - 2 - HASH_CHARS;
        return prefix + "_" + safe.substring(0, Math.min(room, safe.length())) + "_" + hash(node);
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
