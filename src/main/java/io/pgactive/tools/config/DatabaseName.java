package io.pgactive.tools.config;

import java.util.regex.Pattern;

/**
 * The database names the service accepts for a PgBouncer database it pauses or moves. They end up unquoted in admin
 * console commands ({@code PAUSE db}, {@code RESUME db}), which parse their argument as a bare word of at most 63
 * bytes; quoting rules for anything else differ between PgBouncer versions, so such names are refused, not quoted.
 */
public final class DatabaseName {

    /** What an accepted name looks like, for messages. */
    public static final String RULE = "letters, digits and '_'; at most 63 characters";

    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9_]{1,63}");

    private DatabaseName() {}

    public static boolean isValid(String name) {
        return name != null && ACCEPTED.matcher(name).matches();
    }
}
