package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA, a server certificate it signed, and a second CA that signed nothing (what a client trusting the wrong
 * CA holds), made with the openssl command. PEM files, as PostgreSQL and libpq read them; the server key is readable
 * by its owner only, which PostgreSQL insists on.
 */
public record TestCertificates(Path caCert, Path otherCaCert, Path serverCert, Path serverKey) {

    private static final String DAYS = "2";

    /** A server certificate for {@code localhost} and {@code 127.0.0.1}, written into {@code dir}. */
    public static TestCertificates create(Path dir) {
        return create(dir, "DNS:localhost,IP:127.0.0.1");
    }

    /** A server certificate for {@code subjectAltNames} only (openssl's syntax), written into {@code dir}. */
    public static TestCertificates create(Path dir, String subjectAltNames) {
        try {
            Files.createDirectories(dir);
            TestCertificates certs = new TestCertificates(
                    dir.resolve("ca.crt"),
                    dir.resolve("other-ca.crt"),
                    dir.resolve("server.crt"),
                    dir.resolve("server.key"));
            Files.writeString(dir.resolve("san.ext"), "subjectAltName=" + subjectAltNames + "\n");
            for (String ca : List.of("ca", "other-ca")) {
                openssl(
                        dir,
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
            openssl(
                    dir,
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=pgactive-tools test server");
            openssl(
                    dir,
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
                    "server.crt",
                    "-days",
                    DAYS,
                    "-extfile",
                    "san.ext");
            Files.setPosixFilePermissions(certs.serverKey, PosixFilePermissions.fromString("rw-------"));
            return certs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make test certificates in " + dir, e);
        }
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
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
}
