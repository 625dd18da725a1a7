package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA, a server certificate it signed for {@code localhost} and {@code 127.0.0.1}, and a second CA that
 * signed nothing (what a client trusting the wrong CA holds). PEM files, as PostgreSQL and libpq read them; the server
 * key is readable by its owner only, which PostgreSQL insists on.
 *
 * <p>Made with the openssl command when there is one (milliseconds), else with the JDK's keytool (a JVM per step).
 */
public record TestCertificates(Path caCert, Path otherCaCert, Path serverCert, Path serverKey) {

    private static final String SUBJECT_ALT_NAMES = "DNS:localhost,IP:127.0.0.1";
    private static final String DAYS = "2";

    /** Writes the files into {@code dir}, which is created if needed. */
    public static TestCertificates create(Path dir) {
        return create(dir, onPath("openssl"));
    }

    static TestCertificates create(Path dir, boolean withOpenssl) {
        try {
            Files.createDirectories(dir);
            TestCertificates certs = new TestCertificates(
                    dir.resolve("ca.crt"),
                    dir.resolve("other-ca.crt"),
                    dir.resolve("server.crt"),
                    dir.resolve("server.key"));
            if (withOpenssl) {
                withOpenssl(dir, certs);
            } else {
                withKeytool(dir, certs);
            }
            Files.setPosixFilePermissions(certs.serverKey, PosixFilePermissions.fromString("rw-------"));
            return certs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make test certificates in " + dir, e);
        }
    }

    private static void withOpenssl(Path dir, TestCertificates certs) throws IOException {
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=" + SUBJECT_ALT_NAMES + "\n");
        for (String ca : List.of("ca", "other-ca")) {
            run(
                    dir,
                    "openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    ca + ".key",
                    "-out",
                    ca + ".crt",
                    "-days",
                    DAYS,
                    "-subj",
                    "/CN=pgactive-tools test " + ca);
        }
        run(
                dir,
                "openssl",
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                certs.serverKey.getFileName().toString(),
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost");
        run(
                dir,
                "openssl",
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                certs.serverCert.getFileName().toString(),
                "-days",
                DAYS,
                "-extfile",
                "san.ext");
    }

    private static void withKeytool(Path dir, TestCertificates certs) throws IOException {
        String pass = "test-only";
        for (String ca : List.of("ca", "other-ca")) {
            keytool(
                    dir,
                    pass,
                    ca,
                    "-genkeypair",
                    "-keyalg",
                    "RSA",
                    "-keysize",
                    "2048",
                    "-validity",
                    DAYS,
                    "-dname",
                    "CN=pgactive-tools test " + ca,
                    "-ext",
                    "bc:c");
            keytool(dir, pass, ca, "-exportcert", "-rfc", "-file", ca + ".crt");
        }
        keytool(
                dir,
                pass,
                "server",
                "-genkeypair",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                DAYS,
                "-dname",
                "CN=localhost");
        keytool(dir, pass, "server", "-certreq", "-file", "server.csr");
        keytool(
                dir,
                pass,
                "ca",
                "-gencert",
                "-rfc",
                "-infile",
                "server.csr",
                "-outfile",
                certs.serverCert.getFileName().toString(),
                "-validity",
                DAYS,
                "-ext",
                "san=" + SUBJECT_ALT_NAMES.toLowerCase(java.util.Locale.ROOT));
        try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, pass.toCharArray());
            Key key = store.getKey("server", pass.toCharArray());
            Files.writeString(
                    certs.serverKey,
                    "-----BEGIN PRIVATE KEY-----\n"
                            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                    .encodeToString(key.getEncoded())
                            + "\n-----END PRIVATE KEY-----\n");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the server key keytool made", e);
        }
    }

    /** One keytool step on the key store {@code alias.p12}, whose one entry is {@code alias}. */
    private static void keytool(Path dir, String pass, String alias, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-noprompt",
                "-storetype",
                "PKCS12",
                "-keystore",
                alias + ".p12",
                "-storepass",
                pass,
                "-alias",
                alias));
        command.addAll(List.of(args));
        run(dir, command.toArray(String[]::new));
    }

    private static void run(Path dir, String... command) throws IOException {
        Path log = dir.resolve("certificates.log");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + Files.readString(log));
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
