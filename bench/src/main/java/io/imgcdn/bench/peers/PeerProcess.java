package io.imgcdn.bench.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * An external process a peer run started (traffic_server, nginx, a child JVM), stopped by its pid
 * and the pids of its descendants, never by name.
 */
public final class PeerProcess implements AutoCloseable {

  /*
   * Stopping. close() takes a snapshot of the process's descendants first (traffic_server forks
   * traffic_crashlog, nginx its workers), sends SIGTERM to the process, waits up to STOP_GRACE for it and
   * then SIGKILLs whatever of the process and the snapshot is still alive. Nothing is looked up by name,
   * so processes other people run (their own nginx, say) are never touched.
   *
   * Failure paths. Every started process is also registered with one JVM shutdown hook, so Ctrl-C or an
   * exception escaping main still stops it. Only SIGKILL of the bench JVM itself can leave one running;
   * the child JVM (ImgcdnCluster) also exits when its stdin closes, which covers that case for it.
   */

  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Set<PeerProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> List.copyOf(RUNNING).forEach(PeerProcess::close), "peer-process-reaper"));
  }

  private final String name;
  private final Process process;
  private final Path log;

  private PeerProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code command} in {@code workDir} with stdout and stderr appended to {@code log}.
   *
   * @param env extra environment variables
   * @throws IOException if the executable cannot be started (e.g. not installed)
   */
  public static PeerProcess start(
      String name, List<String> command, Path workDir, Path log, Map<String, String> env)
      throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    PeerProcess p = new PeerProcess(name, pb.start(), log);
    RUNNING.add(p);
    return p;
  }

  /** Wraps a process started elsewhere (with its own pipes) so it is stopped like the others. */
  static PeerProcess adopt(String name, Process process, Path log) {
    PeerProcess p = new PeerProcess(name, process, log);
    RUNNING.add(p);
    return p;
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  Process process() {
    return process;
  }

  public Path log() {
    return log;
  }

  /**
   * Waits until 127.0.0.1:{@code port} accepts a connection and {@code ready} holds; fails with the
   * log's tail if the process exits first or {@code timeout} passes.
   */
  public void awaitReady(int port, BooleanSupplier ready, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name
                + " (pid "
                + pid()
                + ") exited with "
                + process.exitValue()
                + " before serving on port "
                + port
                + "; log "
                + log
                + ":\n"
                + tail(log, 30));
      }
      if (accepts(port) && ready.getAsBoolean()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name
                + " (pid "
                + pid()
                + ") not ready on port "
                + port
                + " after "
                + timeout.toSeconds()
                + " s; log "
                + log
                + ":\n"
                + tail(log, 30));
      }
      try {
        process.waitFor(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + name, e);
      }
    }
  }

  static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * SIGTERM, then SIGKILL after a grace period, to the process and the descendants it had.
   * Idempotent.
   */
  @Override
  public void close() {
    List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
    family.add(process.toHandle());
    process.destroy();
    try {
      process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle h : family) {
      if (h.isAlive()) {
        h.destroy();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (ProcessHandle h : family) {
      while (h.isAlive() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
        try {
          h.onExit().get(100, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          // still alive; check again until the deadline
        }
      }
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
    RUNNING.remove(this);
  }

  /**
   * Closes every one of {@code things} at the same time (each close on its own thread) and returns
   * when all are closed; a failure is reported to {@code failures} and does not stop the others.
   */
  static void closeAll(
      List<? extends AutoCloseable> things, java.util.function.Consumer<String> failures) {
    List<Thread> threads = new ArrayList<>();
    for (AutoCloseable c : things) {
      threads.add(
          Thread.ofPlatform()
              .name("stop-" + c)
              .start(
                  () -> {
                    try {
                      c.close();
                    } catch (Exception e) {
                      failures.accept("stopping " + c + ": " + e);
                    }
                  }));
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The last {@code lines} lines of {@code file}, or why it could not be read. */
  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ")";
  }
}
