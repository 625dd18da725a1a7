package io.pgactive.tools.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether the history database can live at {@code database.path}, checked before the service starts so that a path
 * it cannot use is one configuration line, not a stack trace from deep inside the start-up.
 */
public final class DatabasePath {

    private DatabasePath() {}

    /** What makes the path unusable, or empty. Creates the missing parent directories, as the service would. */
    public static Optional<String> problem(Path path) {
        if (Files.isDirectory(path)) {
            return Optional.of(path + " is a directory; name the database file inside it");
        }
        if (Files.exists(path)) {
            return Files.isReadable(path) && Files.isWritable(path)
                    ? Optional.empty()
                    : Optional.of(path + " cannot be read and written by this user");
        }
        Path parent = path.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            return Optional.of("cannot create the directory " + parent + " (" + why(e) + ")");
        }
        return Files.isWritable(parent)
                ? Optional.empty()
                : Optional.of("the directory " + parent + " is not writable by this user");
    }

    private static String why(IOException e) {
        String name = e.getClass().getSimpleName();
        return switch (name) {
            case "FileAlreadyExistsException" -> "a file is in the way: " + e.getMessage();
            case "AccessDeniedException" -> "permission denied: " + e.getMessage();
            default -> e.getMessage() != null ? e.getMessage() : name;
        };
    }
}
