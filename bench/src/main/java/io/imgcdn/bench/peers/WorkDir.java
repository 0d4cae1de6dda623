package io.imgcdn.bench.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** A run's temporary directories (one on disk, one on tmpfs), deleted at the end unless asked to keep them. */
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
   * Creates {@code <parent or java.io.tmpdir>/imgcdn-<name>-*} and {@code /dev/shm/imgcdn-<name>-*} (or a
   * {@code tmpfs} folder in the disk one where /dev/shm does not exist).
   */
  static WorkDir create(Path parent, String name, boolean keep) throws IOException {
    Path base = parent != null ? Files.createDirectories(parent) : Path.of(System.getProperty("java.io.tmpdir"));
    Path disk = Files.createTempDirectory(base, "imgcdn-" + name + "-").toAbsolutePath();
    Path memory = Files.isDirectory(TMPFS) && Files.isWritable(TMPFS)
        ? Files.createTempDirectory(TMPFS, "imgcdn-" + name + "-") : Files.createDirectories(disk.resolve("tmpfs"));
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
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.deleteIfExists(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + root, e);
    }
  }
}
