package io.imgcdn.launcher.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node in a child JVM ({@code imgcdn edge|shard|origin --set ...} on this JVM's class path), so a
 * test can kill it with SIGKILL ({@link Process#destroyForcibly()}) as a crashing machine would,
 * and so its heap, garbage collector and threads are its own, as in production.
 */
final class NodeProcess implements FaultCluster.NodeHandle {
  /*
   * The child logs to stderr (logback-test.xml is on the class path); a reader thread copies every line to
   * <dir>/<id>.log and completes `ready` when NodeRuntime logs "<id> serving on host:port (admin N", which
   * it does after both ports are bound. Small heap and C1 only: several of these start at once on 2 cores.
   * Netty leak detection runs at paranoid level in the child as in the test JVM; leakReports() scans its
   * log for "LEAK:" so a test can fail on them.
   */
  private static final Pattern SERVING =
      Pattern.compile("serving on [^ ]+:(\\d+) \\((?:https [^)]*?, )?admin (\\d+)");
  private static final long START_TIMEOUT_SECONDS = 120;

  /** The child's heap unless a test needs more. */
  static final String DEFAULT_HEAP = "256m";

  private final String id;
  private final Process process;
  private final Path log;
  private final int port;
  private final int adminPort;

  private NodeProcess(String id, Process process, Path log, int port, int adminPort) {
    this.id = id;
    this.process = process;
    this.log = log;
    this.port = port;
    this.adminPort = adminPort;
  }

  /**
   * Starts {@code imgcdn <role>} with {@code settings} and a heap of {@code heap} (e.g. "256m") and
   * returns once it serves; {@code prefix} goes before the java command (e.g. {@code ip netns exec
   * <ns>}, which execs java in place, so {@link #pid()} and {@link #kill()} still reach the JVM
   * itself).
   */
  static NodeProcess start(
      List<String> prefix,
      String role,
      String id,
      Map<String, String> settings,
      Path log,
      String heap) {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + heap,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xss512k",
            "--sun-misc-unsafe-memory-access=allow",
            "-Dio.netty.noUnsafe=false",
            "--enable-native-access=ALL-UNNAMED",
            "-Dio.netty.leakDetection.level=paranoid",
            "-cp",
            System.getProperty("java.class.path"),
            "io.imgcdn.launcher.Main",
            role));
    settings.forEach(
        (k, v) -> {
          command.add("--set");
          command.add(k + "=" + v);
        });
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + id, e);
    }
    CompletableFuture<int[]> ready = new CompletableFuture<>();
    Thread.ofPlatform().name(id + "-log").daemon(true).start(() -> copyLog(process, log, ready));
    try {
      int[] ports = ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return new NodeProcess(id, process, log, ports[0], ports[1]);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      throw new IllegalStateException(id + " did not start (log: " + log + "): " + tail(log), e);
    }
  }

  private static void copyLog(Process process, Path log, CompletableFuture<int[]> ready) {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer out =
            Files.newBufferedWriter(
                log,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.write(line);
        out.write('\n');
        if (!ready.isDone()) {
          Matcher m = SERVING.matcher(line);
          if (m.find()) {
            out.flush();
            ready.complete(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
          }
        }
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    } finally {
      ready.completeExceptionally(new IllegalStateException("its output ended before it served"));
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public int adminPort() {
    return adminPort;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook runs, RocksDB is not closed, in-flight responses are cut. */
  void kill() {
    process.destroyForcibly();
    waitFor();
  }

  /** SIGTERM: the shutdown hook closes the node (and its store) in order. */
  @Override
  public void stop() {
    if (process.isAlive()) {
      process.destroy();
      waitFor();
    }
  }

  private void waitFor() {
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Netty "LEAK:" reports in the child's log so far. */
  List<String> leakReports() {
    return logLines("LEAK:");
  }

  /** Lines of the child's log so far that contain {@code text}. */
  List<String> logLines(String text) {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
          .filter(l -> l.contains(text))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
