package io.pgactive.tools.config.credentials;

import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.rds.RdsUtilities;

/**
 * RDS IAM authentication tokens: a URL presigned for {@code rds-db:connect}, computed locally from the AWS credentials
 * (no call to AWS, except whatever the credentials chain itself needs: web identity, instance metadata). A token is
 * valid for 15 minutes when a connection is opened; an open connection outlives it.
 */
public class IamTokens {

    /** Renew well before the 15-minute expiry, so a reconnect never presents a token about to lapse. */
    public static final Duration RENEW_AFTER = Duration.ofMinutes(10);

    private final AwsCredentialsProvider credentials;

    /** With the default chain: environment, web identity (IRSA), profile, container and instance credentials. */
    public IamTokens() {
        this(DefaultCredentialsProvider.builder().build());
    }

    public IamTokens(AwsCredentialsProvider credentials) {
        this.credentials = credentials;
    }

    /**
     * A fresh token for {@code user} at {@code host:port}. Blocking (the credentials chain may call out).
     *
     * @throws SecretException when no AWS credentials or region can be found
     */
    public String token(Optional<String> region, String host, int port, String user) {
        String source = "IAM token for " + user + "@" + host + ":" + port;
        try {
            Region r = Region.of(region.orElseGet(
                    () -> new DefaultAwsRegionProviderChain().getRegion().id()));
            return RdsUtilities.builder()
                    .region(r)
                    .credentialsProvider(credentials)
                    .build()
                    .generateAuthenticationToken(
                            b -> b.hostname(host).port(port).username(user));
        } catch (SdkException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new SecretException(source, m.lines().findFirst().orElse(m));
        }
    }
}
