package io.pgactive.tools.api;

import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.NotAuthorizedException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** The check every mutating call makes: the configured token, given as {@code Authorization: Bearer ...}. */
final class BearerToken {

    private BearerToken() {}

    /**
     * Passes when {@code header} carries {@code configured}; 403 when no token is configured (with {@code whenMissing}
     * saying which setting enables the call), 401 otherwise.
     */
    static void require(Optional<String> configured, String header, String whenMissing) {
        String token = configured.orElseThrow(() -> new ForbiddenException(whenMissing));
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).strip()
                : "";
        // constant-time comparison: the token must not leak through response timing
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            throw new NotAuthorizedException("a valid bearer token is required", "Bearer");
        }
    }
}
