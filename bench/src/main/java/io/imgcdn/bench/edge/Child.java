package io.imgcdn.bench.edge;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A process the edge benchmarks start: output to a log file (or read line by line), stopped by pid
 * with SIGTERM, then SIGKILL after a grace period. Every Child is stopped by its owner in a finally
 * block.
 */
final class Child implements AutoCloseable {
  /*
   * Children are also stopped by a shutdown hook: Ctrl-C ends the JVM without running the finally
   * blocks of the main thread, and nginx would outlive us (an EdgeNode stops by itself when its stdin
   * closes with us).
   */
  private static final java.util.Set<Child> RUNNING =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> RUNNING.forEach(Child::close), "stop-children"));
  }

  private final String name;
  private final Process process;
  private final Path log;
  private final @Nullable BufferedReader out; // interactive children only
  private final @Nullable Writer in;

  private Child(String name, Process process, Path log, boolean interactive) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.out =
        interactive
            ? new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
            : null;
    this.in =
        interactive
            ? new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)
            : null;
    RUNNING.add(this);
  }

  /** Starts {@code command} with its output (stdout and stderr) in {@code log}. */
  static Child start(String name, List<String> command, Path log) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return new Child(name, pb.start(), log, false);
  }

  /** Starts {@code command} talking over stdin/stdout; stderr goes to {@code log}. */
  static Child interactive(String name, List<String> command, Path log) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return new Child(name, pb.start(), log, true);
  }

  long pid() {
    return process.pid();
  }

  Process process() {
    return process;
  }

  /**
   * Sends a line to an interactive child and returns the first answer line starting with {@code
   * prefix}.
   */
  String ask(String command, String prefix) throws IOException {
    if (in == null) {
      throw new IllegalStateException(name + " is not interactive");
    }
    in.write(command + "\n");
    in.flush();
    return expect(prefix);
  }

  /** The next line of an interactive child's output that starts with {@code prefix}. */
  String expect(String prefix) throws IOException {
    if (out == null) {
      throw new IllegalStateException(name + " is not interactive");
    }
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length()).trim();
      }
    }
    throw new IOException(
        name
            + " (pid "
            + pid()
            + ") ended without printing "
            + prefix
            + "; log "
            + log
            + ":\n"
            + tail(log, 30));
  }

  /** Waits for the process to end; fails after {@code timeout}. */
  int await(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(name + " (pid " + pid() + ") still running after " + timeout);
    }
    return process.exitValue();
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM to this pid, SIGKILL after 10 s. */
  @Override
  public void close() {
    RUNNING.remove(this);
    if (!process.isAlive()) {
      return;
    }
    try {
      if (in != null) {
        in.close(); // an EdgeNode stops when stdin closes
      }
    } catch (IOException ignored) {
      // already gone
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ")";
  }
}
