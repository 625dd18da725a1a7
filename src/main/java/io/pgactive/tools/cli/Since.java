package io.pgactive.tools.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** {@code --since}: an age such as {@code 90s}, {@code 15m}, {@code 2h}, {@code 7d}, or an RFC 3339 time. */
final class Since implements CommandLine.ITypeConverter<Instant> {

    private static final Pattern AGE = Pattern.compile("(\\d+)(s|m|h|d)");

    @Override
    public Instant convert(String value) {
        return parse(value, Instant.now());
    }

    static Instant parse(String value, Instant now) {
        Matcher m = AGE.matcher(value.strip());
        if (m.matches()) {
            return now.minus(age(Long.parseLong(m.group(1)), m.group(2)));
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is neither an age (90s, 15m, 2h, 7d) nor an RFC 3339 time");
        }
    }

    static Duration age(long n, String unit) {
        return switch (unit) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** {@code --step}: the same ages as a duration. */
    static final class Step implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Matcher m = AGE.matcher(value.strip());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a step such as 10s, 1m, 1h");
            }
            return age(Long.parseLong(m.group(1)), m.group(2));
        }
    }
}
