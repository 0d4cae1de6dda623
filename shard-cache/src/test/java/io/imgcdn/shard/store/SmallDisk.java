package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A small tmpfs the test mounts, for a disk that really fills up: {@code mount -t tmpfs -o
 * size=...}. Needs root with CAP_SYS_ADMIN, as the tests run in CI; anywhere else the test fails
 * saying so (never skipped: a disk-full test that silently does not run proves nothing).
 */
public final class SmallDisk implements AutoCloseable {

  private final Path path;

  private SmallDisk(Path path) {
    this.path = path;
  }

  /** Mounts a tmpfs of {@code bytes} on {@code directory} (created if missing). */
  public static SmallDisk mount(Path directory, long bytes) throws IOException {
    Files.createDirectories(directory);
    String output =
        run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", directory.toString());
    if (output != null) {
      fail(
          "cannot mount a tmpfs on %s (the disk-full tests need root with CAP_SYS_ADMIN, as in"
              + " CI; user %s): %s",
          directory, System.getProperty("user.name"), output);
    }
    return new SmallDisk(directory);
  }

  public Path path() {
    return path;
  }

  /** Bytes an unprivileged process may still write (statfs f_bavail). */
  public long usableBytes() throws IOException {
    return Files.getFileStore(path).getUsableSpace();
  }

  /**
   * Appends to {@code name} until the filesystem refuses (ENOSPC), as another program filling the
   * disk would; returns the bytes written by this call.
   */
  public long fill(String name) throws IOException {
    byte[] block = new byte[64 * 1024];
    long written = 0;
    try (OutputStream out =
        Files.newOutputStream(
            path.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      while (true) {
        out.write(block);
        written += block.length;
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
    }
    return written;
  }

  /** Writes {@code bytes} to {@code name} (replacing it), as another program taking space. */
  public void take(String name, long bytes) throws IOException {
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(path.resolve(name))) {
      for (long left = bytes; left > 0; left -= block.length) {
        out.write(block, 0, (int) Math.min(block.length, left));
      }
    }
  }

  /** Remounts the filesystem read-only, as the kernel does after some disk errors. */
  public void readOnly() throws IOException {
    String output = run("mount", "-o", "remount,ro", path.toString());
    if (output != null) {
      fail("cannot remount %s read-only: %s", path, output);
    }
  }

  /** Deletes {@code name}. */
  public void free(String name) throws IOException {
    Files.deleteIfExists(path.resolve(name));
  }

  /**
   * Milliseconds until {@code condition} holds, checked every 20 ms; fails after {@code limit}. For
   * waits on the filesystem and on RocksDB's own timers, whose duration the tests report.
   */
  public static long millisUntil(Duration limit, String what, BooleanSupplier condition) {
    long start = System.nanoTime();
    if (!holdsWithin(limit, condition)) {
      fail("not within %s: %s", limit, what);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** Whether {@code condition} holds within {@code limit}, checked every 20 ms. */
  public static boolean holdsWithin(Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return true;
  }

  /** Unmounts (lazily if something still holds a file). */
  @Override
  public void close() throws IOException {
    if (run("umount", path.toString()) != null) {
      run("umount", "-l", path.toString());
    }
  }

  /** Runs a command; null if it succeeded, else what it printed. */
  private static String run(String... command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + output;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
  }
}
