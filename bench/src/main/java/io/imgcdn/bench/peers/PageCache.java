package io.imgcdn.bench.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Drops the OS page cache of the files under a directory, the same way for every server: each file
 * is advised POSIX_FADV_DONTNEED, and the bytes still resident are counted with {@code fincore}.
 */
final class PageCache {
  /*
   * `dd if=F iflag=nocache count=0` is GNU coreutils' documented way to ask the kernel to drop a whole file
   * from the page cache (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)); it works as any user, on files
   * another process has open, and touches only those files. Writing to /proc/sys/vm/drop_caches would also
   * work as root here, but it empties the page cache of the whole machine, which other people share.
   * Dirty pages are not dropped by the advice, so the caller lets the servers sit idle (nothing written)
   * first. Only clean, unmapped pages go; RocksDB and ATS read with pread, not mmap.
   */
  private PageCache() {}

  /** Advises DONTNEED on every regular file under {@code dir}; returns how many files. */
  static int drop(Path dir) throws IOException, InterruptedException {
    List<Path> files = files(dir);
    for (Path f : files) {
      run(List.of("dd", "if=" + f, "iflag=nocache", "count=0", "status=none"));
    }
    return files.size();
  }

  /** Bytes of the files under {@code dir} that are in the page cache now (fincore). */
  static long residentBytes(Path dir) throws IOException, InterruptedException {
    List<Path> files = files(dir);
    if (files.isEmpty()) {
      return 0;
    }
    List<String> command =
        new ArrayList<>(List.of("fincore", "--bytes", "--noheadings", "--output", "RES"));
    files.forEach(f -> command.add(f.toString()));
    String out = run(command);
    long total = 0;
    for (String line : out.split("\n")) {
      String v = line.strip();
      if (!v.isEmpty()) {
        try {
          total += Long.parseLong(v);
        } catch (NumberFormatException e) {
          // "fincore: failed to open ...": a file deleted meanwhile
        }
      }
    }
    return total;
  }

  /** Bytes of the files under {@code dir}. */
  static long fileBytes(Path dir) throws IOException {
    long total = 0;
    for (Path f : files(dir)) {
      try {
        total += Files.size(f);
      } catch (java.nio.file.NoSuchFileException e) {
        // deleted meanwhile (a RocksDB WAL or table file)
      }
    }
    return total;
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command.getFirst() + " did not end within 60 s");
    }
    // A file RocksDB deleted meanwhile makes dd/fincore complain; that file needs no dropping.
    return new String(out, StandardCharsets.UTF_8);
  }
}
