package io.imgcdn.shard.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.jspecify.annotations.Nullable;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * What {@link StoreDatabase#open} does when RocksDB cannot open the directory: tells a fault of the
 * store's contents from one of its surroundings, and moves bad contents aside.
 */
final class OpenRecovery {

  /*
   * A cache is disposable data: no fault of its files may keep a node down, so a store whose files
   * RocksDB cannot open is moved aside (kept for inspection; one copy at most, the older deleted) and
   * the shard starts empty. The directory and the settings are the operator's, though: a store that
   * cannot be opened because of them must fail start-up and be left as it is (moving aside a directory
   * that another process holds open would pull the store from under it).
   *
   * RocksDB reports no errno, so the cause is told by its status, one test per case
   * (StoreOpenRecoveryTest):
   *
   *   contents   Corruption: a table file's footer ("Bad table magic number"), its size, a missing
   *              table file, the MANIFEST's checksum or an empty MANIFEST, CURRENT not ending in a
   *              newline or naming nothing; an IOError about a file in the directory that is missing
   *              ("No such file or directory": CURRENT naming a deleted MANIFEST) or unreadable
   *              ("Input/output error")
   *   no space   IOError with subcode NoSpace: an open writes a MANIFEST, a WAL, an OPTIONS file and
   *              flushes the old WAL's contents
   *   other      the rest, e.g. the LOCK held by another store ("lock hold by current process",
   *              "Resource temporarily unavailable"), "Permission denied", "Read-only file system", a
   *              path that is not a directory
   */

  enum Cause {
    CONTENTS,
    NO_SPACE,
    OTHER
  }

  /** Suffix of the sibling a store is moved aside to, followed by the time. */
  static final String ASIDE_SUFFIX = ".unreadable-";

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private OpenRecovery() {}

  static Cause classify(RocksDBException e, Path directory) {
    @Nullable Status status = e.getStatus();
    if (status == null) {
      return Cause.OTHER;
    }
    String message = String.valueOf(e.getMessage());
    return switch (status.getCode()) {
      case Corruption -> Cause.CONTENTS;
      case IOError -> {
        if (status.getSubCode() == Status.SubCode.NoSpace) {
          yield Cause.NO_SPACE;
        }
        boolean fileInStore = message.contains(directory.toString() + "/");
        boolean missingOrUnreadable =
            message.contains("No such file or directory") || message.contains("Input/output error");
        yield fileInStore && missingOrUnreadable ? Cause.CONTENTS : Cause.OTHER;
      }
      default -> Cause.OTHER;
    };
  }

  /**
   * Moves {@code directory} aside to a sibling named {@code <name>.unreadable-<UTC time>}, creates
   * it again empty and deletes any copy moved aside before. Where it cannot be moved (it is a mount
   * point, its parent is read-only) its contents are deleted instead. Returns what was done, for
   * the log line.
   */
  static String moveAside(Path directory, Instant now) throws IOException {
    Path absolute = directory.toAbsolutePath();
    String prefix = absolute.getFileName() + ASIDE_SUFFIX;
    Path aside = absolute.resolveSibling(prefix + STAMP.format(now));
    try {
      Files.move(absolute, aside);
    } catch (IOException e) {
      deleteContents(absolute);
      return "cannot move it aside (" + e + "): its files were deleted";
    }
    Files.createDirectories(absolute);
    int older = 0;
    try (DirectoryStream<Path> siblings =
        Files.newDirectoryStream(absolute.getParent(), prefix + "*")) {
      for (Path sibling : siblings) {
        if (!sibling.equals(aside)) {
          deleteTree(sibling);
          older++;
        }
      }
    }
    return "moved aside to "
        + aside
        + (older > 0 ? " (the copy moved aside before was deleted)" : "");
  }

  /** Deletes everything in {@code directory}, keeping the directory. */
  static void deleteContents(Path directory) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        deleteTree(entry);
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException e)
              throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
