package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverRequest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * {@code synchronous_standby_names} after a failover. A promoted standby keeps the setting it copied from its old
 * primary ({@code postgresql.auto.conf} travels with the base backup); when that names standbys that do not follow
 * it, every commit on the new primary waits for a confirmation that never comes. The policy says what the new primary
 * gets instead: no synchronous standby (the default), a list of configured nodes, or the inherited value.
 */
public final class SynchronousStandbys {

    public static final String PROPERTY = "pgactive.failover.synchronous-standbys-after";
    /** The policy that leaves the promoted node's setting as it was. */
    public static final String KEEP = "keep";
    /** The policy (and the setting) with no synchronous standby: commits are acknowledged by the primary alone. */
    public static final String NONE = "";

    /**
     * The node names a value may contain: those a configuration accepts, so nothing that could close a quoted name or
     * the SQL literal around the value.
     */
    private static final Pattern NAME = Pattern.compile(FailoverRequest.NODE_NAME);

    private SynchronousStandbys() {}

    /**
     * The message of a failed attempt to set the promoted {@code standby}'s setting to {@code wanted}: the promotion
     * stands, and this says what the operator must run if commits hang.
     */
    static String failed(String standby, String wanted, String reason) {
        String fix =
                wanted.isEmpty() ? "--none" : KEEP.equals(wanted) ? "--none (or --names ...)" : "--names " + wanted;
        return "setting synchronous_standby_names on " + standby + " failed: " + reason + "; if commits on " + standby
                + " hang, it still waits for the old primary's synchronous standbys: run 'pgactive-tools replication"
                + " sync-standbys " + standby + " " + fix + "'";
    }

    /**
     * The setting for {@code names}: each one double-quoted (node names may hold '-' or '.'), comma-separated, which
     * PostgreSQL reads as {@code FIRST 1 (...)}: the first connected one in the list is the synchronous standby.
     *
     * @throws IllegalArgumentException a name that is not a node name, or one named twice
     */
    public static String value(List<String> names) {
        List<String> quoted = new ArrayList<>();
        for (String name : checked(names)) {
            quoted.add('"' + name + '"');
        }
        return String.join(", ", quoted);
    }

    /** The names, checked against {@link #NAME} and for repeats; the message says which one is wrong and why. */
    public static List<String> checked(List<String> names) {
        Set<String> seen = new LinkedHashSet<>();
        for (String name : names) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "'" + printable(name) + "' is not a node name (1 to 63 letters, digits, '_', '.' or '-')");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("'" + name + "' is named twice");
            }
        }
        return List.copyOf(seen);
    }

    /**
     * The policy from {@value #PROPERTY}: {@link #NONE} when absent or blank, {@link #KEEP}, or the configured nodes
     * it lists, comma-joined without spaces.
     *
     * @throws IllegalArgumentException {@code property: problem}, one line
     */
    public static String policy(Optional<String> setting, Predicate<String> configured) {
        String text = setting.map(String::strip).orElse(NONE);
        if (text.isEmpty() || text.equalsIgnoreCase("none")) {
            return NONE;
        }
        if (text.equalsIgnoreCase(KEEP)) {
            return KEEP;
        }
        try {
            List<String> names = checked(split(text));
            for (String name : names) {
                if (!configured.test(name)) {
                    throw new IllegalArgumentException("no configured node is named '" + name + "'");
                }
            }
            return String.join(",", names);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + ": " + e.getMessage()
                    + " (expected empty for none, 'keep', or a comma-separated list of configured node names)");
        }
    }

    /**
     * The standbys a policy names for the promoted {@code node}: none for {@link #NONE} (and for a null policy, which
     * a failover started before the policy existed carries), the listed nodes without {@code node} itself (a primary
     * cannot confirm its own commits). Not for {@link #KEEP}.
     */
    public static List<String> namesFor(String policy, String node) {
        if (policy == null || policy.isBlank()) {
            return List.of();
        }
        return split(policy).stream().filter(n -> !n.equals(node)).toList();
    }

    /**
     * The standby names in a {@code synchronous_standby_names} value, unquoted, in order: a plain list, or one in
     * {@code FIRST n (...)}, {@code ANY n (...)} or {@code n (...)}. {@code *} is returned as a name.
     */
    public static List<String> namesIn(String value) {
        String list = value == null ? "" : value.strip();
        int open = list.indexOf('(');
        if (open >= 0 && list.endsWith(")")) {
            list = list.substring(open + 1, list.length() - 1);
        }
        List<String> names = new ArrayList<>();
        for (String part : list.split(",")) {
            String name = part.strip();
            if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                name = name.substring(1, name.length() - 1).replace("\"\"", "\"");
            }
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    /** Whether the value is a plain list (the first connected one synchronous), which this service writes. */
    public static boolean plainList(String value) {
        return value == null || value.indexOf('(') < 0;
    }

    /** A comma-separated list, each entry stripped; an empty entry is kept, so that it is refused as a name. */
    public static List<String> split(String text) {
        List<String> names = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            names.add(part.strip());
        }
        return names;
    }

    private static String printable(String name) {
        if (name == null) {
            return "null";
        }
        String shown = name.length() > 70 ? name.substring(0, 70) + "..." : name;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
