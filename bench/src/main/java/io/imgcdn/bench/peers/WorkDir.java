package io.imgcdn.bench.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A run's temporary directories (one on disk, one on tmpfs), deleted at the end unless asked to
 * keep them.
 */
final class WorkDir implements AutoCloseable {

  private static final Path TMPFS = Path.of("/dev/shm");

  private final Path disk;
  private final Path memory;
  private final boolean keep;

  private WorkDir(Path disk, Path memory, boolean keep) {
    this.disk = disk;
    this.memory = memory;
    this.keep = keep;
  }

  /**
   * Creates {@code <parent or java.io.tmpdir>/imgcdn-<name>-*} and {@code /dev/shm/imgcdn-<name>-*}
   * (or a {@code tmpfs} folder in the disk one where /dev/shm does not exist).
   */
  static WorkDir create(@Nullable Path parent, String name, boolean keep) throws IOException {
    Path base =
        parent != null
            ? Files.createDirectories(parent)
            : Path.of(System.getProperty("java.io.tmpdir"));
    Path disk = Files.createTempDirectory(base, "imgcdn-" + name + "-").toAbsolutePath();
    Path memory =
        Files.isDirectory(TMPFS) && Files.isWritable(TMPFS)
            ? Files.createTempDirectory(TMPFS, "imgcdn-" + name + "-")
            : Files.createDirectories(disk.resolve("tmpfs"));
    return new WorkDir(disk, memory, keep);
  }

  /** On disk: runroots, cache files, RocksDB stores, logs. */
  Path disk() {
    return disk;
  }

  /** On tmpfs where there is one: the nginx front's proxy_cache. */
  Path memory() {
    return memory;
  }

  @Override
  public void close() {
    if (!keep) {
      delete(memory);
      delete(disk);
    }
  }

  static void delete(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + root, e);
    }
  }

  /**
   * Bytes of the regular files under {@code root} (0 if it does not exist, -1 if it could not be
   * walked).
   */
  static long bytesUnder(Path root) {
    if (!Files.exists(root)) {
      return 0;
    }
    try (Stream<Path> all = Files.walk(root)) {
      long total = 0;
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        try {
          total += Files.size(p);
        } catch (java.nio.file.NoSuchFileException e) {
          // evicted meanwhile (nginx's cache manager)
        }
      }
      return total;
    } catch (IOException | UncheckedIOException e) {
      return -1; // a directory vanished mid-walk; the report says "unknown"
    }
  }
}
