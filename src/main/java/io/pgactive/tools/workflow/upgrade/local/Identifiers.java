package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.workflow.upgrade.UpgradeException;

import java.util.regex.Pattern;

/**
 * Names the local ports put into statements that cannot take bind parameters (CREATE DATABASE, CREATE SUBSCRIPTION)
 * or onto the file system. Node names are validated; SQL identifiers are quoted the way {@code quote_ident} does.
 */
final class Identifiers {

    /** A node name is also a directory and part of slot names, so it is kept to what both accept. */
    private static final Pattern NODE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");

    private Identifiers() {
    }

    static String requireNodeName(String node) {
        if (node == null || !NODE.matcher(node).matches()) {
            throw new UpgradeException("node name must be 1-40 characters of a-z, 0-9, '_' and '-', starting with a "
                    + "letter or digit: '" + node + "'", false);
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

    /** The part of a name that PostgreSQL accepts for slots, subscriptions and publications ({@code [a-z0-9_]}). */
    static String objectName(String prefix, String node) {
        return (prefix + "_" + requireNodeName(node)).replace('-', '_');
    }
}
