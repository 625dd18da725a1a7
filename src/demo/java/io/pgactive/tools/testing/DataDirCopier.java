package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Copies data directories: a clean template, or a running primary inside pg_backup_start/stop. */
final class DataDirCopier {

    private static final Set<String> NEVER =
            Set.of("postmaster.pid", "postmaster.opts", "epg-lock", "pg_internal.init");

    /** Directories whose contents a base backup leaves out (they are rebuilt or meaningless on the copy). */
    private static final Set<String> SKIP_CONTENTS = Set.of(
            "pg_wal",
            "pg_replslot",
            "pg_dynshmem",
            "pg_notify",
            "pg_serial",
            "pg_snapshots",
            "pg_stat_tmp",
            "pg_subtrans");

    private DataDirCopier() {}

    static void copyAll(Path src, Path dst) throws IOException {
        copy(src, dst, false);
        restrict(dst);
    }

    /** postgres refuses to start on a data directory that others can read. */
    static void restrict(Path dataDir) throws IOException {
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
    }

    static void copyForBackup(Path src, Path dst) throws IOException {
        copy(src, dst, true);
        Files.createDirectories(dst.resolve("pg_wal/archive_status"));
        Files.createDirectories(dst.resolve("pg_wal/summaries"));
        restrict(dst);
    }

    private static void copy(Path src, Path dst, boolean backup) throws IOException {
        Files.walkFileTree(src, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(dst.resolve(src.relativize(dir).toString()));
                if (backup
                        && !dir.equals(src)
                        && dir.getParent().equals(src)
                        && SKIP_CONTENTS.contains(dir.getFileName().toString())) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String n = file.getFileName().toString();
                if (NEVER.contains(n) || (backup && file.getParent().equals(src) && n.equals("backup_label"))) {
                    return FileVisitResult.CONTINUE;
                }
                try {
                    Files.copy(file, dst.resolve(src.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                } catch (NoSuchFileException e) {
                    // a running server may drop temporary files while we copy
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }
        });
    }

    static void copyUnchecked(Path src, Path dst) {
        try {
            copyAll(src, dst);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
