package io.pgactive.tools.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL connection string, parsed from either the URL form ({@code postgres://user:pw@host:5432/db?sslmode=require})
 * or the libpq keyword form ({@code host=h port=5432 dbname=db user=u password=pw}).
 * <p>
 * {@link #toString()} and {@link #redacted()} never show the password, so a DSN can be logged or put in an error.
 */
public record Dsn(String host, int port, String database, String user, String password, Map<String, String> options) {

    public static final int DEFAULT_PORT = 5432;
    private static final Pattern KEYWORD_PAIR =
            Pattern.compile("\\s*([A-Za-z_]+)\\s*=\\s*('(?:[^'\\\\]|\\\\.)*'|\\S*)");
    private static final Pattern URL_PASSWORD = Pattern.compile("(://[^:/@\\s]*:)[^@\\s]*@");
    private static final Pattern KEYWORD_PASSWORD =
            Pattern.compile("(?i)(password\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|\\S+)");

    public Dsn {
        options = Map.copyOf(options);
    }

    /** Parses a DSN; the exception message never contains the password. */
    public static Dsn parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty DSN");
        }
        String trimmed = text.strip();
        return trimmed.startsWith("postgres://") || trimmed.startsWith("postgresql://")
                ? parseUrl(trimmed)
                : parseKeywords(trimmed);
    }

    private static Dsn parseUrl(String text) {
        String rest = text.substring(text.indexOf("://") + 3);
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String database = "postgres";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            database = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
            password = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
        }
        String host = rest;
        int port = DEFAULT_PORT;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unterminated IPv6 address in host");
            }
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (after.startsWith(":")) {
                port = parsePort(after.substring(1));
            }
        } else {
            int colon = rest.lastIndexOf(':');
            if (colon >= 0) {
                host = rest.substring(0, colon);
                port = parsePort(rest.substring(colon + 1));
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host");
        }
        if (host.contains(",")) {
            throw new IllegalArgumentException("multiple hosts are not supported; configure one node per host");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("malformed query parameter (expected key=value)");
            }
            String key = decode(pair.substring(0, eq));
            String value = decode(pair.substring(eq + 1));
            if (key.equals("password")) {
                password = value;
            } else if (key.equals("user")) {
                user = value;
            } else {
                options.put(key, value);
            }
        }
        return new Dsn(host, port, decode(database), user, password, options);
    }

    private static Dsn parseKeywords(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = KEYWORD_PAIR.matcher(text);
        int end = 0;
        while (m.lookingAt()) {
            String value = m.group(2);
            if (value.startsWith("'")) {
                value = value.substring(1, value.length() - 1).replaceAll("\\\\(.)", "$1");
            }
            values.put(m.group(1).toLowerCase(Locale.ROOT), value);
            end = m.end();
            m.region(end, text.length());
        }
        if (end != text.length() || values.isEmpty()) {
            throw new IllegalArgumentException("not a postgres:// URL and not a list of key=value pairs");
        }
        String host = values.remove("host");
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("no host");
        }
        String port = values.remove("port");
        String dbname = values.remove("dbname");
        return new Dsn(
                host,
                port == null ? DEFAULT_PORT : parsePort(port),
                dbname == null ? "postgres" : dbname,
                values.remove("user"),
                values.remove("password"),
                values);
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + text);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    public Optional<String> option(String key) {
        return Optional.ofNullable(options.get(key));
    }

    /** host:port, the address other nodes use to name this one (e.g. a WAL receiver's sender). */
    public String address() {
        return host + ":" + port;
    }

    /** A URL form with the password replaced by {@code ***}; safe for logs, errors and snapshots. */
    public String redacted() {
        StringBuilder sb = new StringBuilder("postgres://");
        if (user != null) {
            sb.append(user);
            if (password != null) {
                sb.append(":***");
            }
            sb.append('@');
        }
        sb.append(host.contains(":") ? "[" + host + "]" : host)
                .append(':')
                .append(port)
                .append('/')
                .append(database);
        String sep = "?";
        for (Map.Entry<String, String> e : options.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = "&";
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return redacted();
    }

    /**
     * Removes anything that looks like a password from free text (a driver's error message may quote the
     * connection string), and the given known secrets wherever they appear.
     */
    public static String redact(String text, String... secrets) {
        if (text == null) {
            return null;
        }
        String out = URL_PASSWORD.matcher(text).replaceAll("$1***@");
        out = KEYWORD_PASSWORD.matcher(out).replaceAll("$1***");
        for (String secret : secrets) {
            if (secret != null && secret.length() >= 3) {
                out = out.replace(secret, "***");
            }
        }
        return out;
    }
}
