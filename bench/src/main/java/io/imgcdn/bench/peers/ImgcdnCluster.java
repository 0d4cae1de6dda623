package io.imgcdn.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An imgcdn cluster (embedded S3, one origin, N shards, one edge: dist's LocalCluster) in a child
 * JVM on this JVM's class path, so its heap, garbage collector and threads are its own, like the
 * peers' processes, and the load generator's garbage never pauses it.
 */
public final class ImgcdnCluster implements AutoCloseable {

  /*
   * Protocol with ClusterNodeMain: arguments key=value; one READY line on stdout with the ports; the child
   * stops when its stdin ends. close() closes stdin and waits for a clean exit (RocksDB closed), and falls
   * back to SIGTERM/SIGKILL by pid (PeerProcess). A reader thread copies the child's output to a log file.
   */

  /**
   * What to start.
   *
   * @param shards number of shards
   * @param edgeCacheBytes the edge's memory cache
   * @param shardStoreBytes each shard's store bound
   * @param objects what to put into the bucket ({@link ObjectSets})
   * @param heap the child's -Xmx, e.g. {@code 1g}
   * @param settings extra node settings (LocalCluster.Layout.extraSettings)
   */
  public record Options(
      int shards,
      long edgeCacheBytes,
      long shardStoreBytes,
      String objects,
      String heap,
      Map<String, String> settings) {
    public Options {
      if (shards <= 0) {
        throw new IllegalArgumentException("shards: " + shards + " (expected: > 0)");
      }
      // The peers (nginx, ATS) run without access logs; so do our nodes unless a run asks for them.
      Map<String, String> withDefaults = new java.util.HashMap<>(settings);
      withDefaults.putIfAbsent("server.access-log", "off");
      settings = Map.copyOf(withDefaults);
    }
  }

  /**
   * System property with extra JVM options for the child, appended after the defaults (later ones
   * win), e.g. {@code -XX:TieredStopAtLevel=1} for a quicker start in smoke tests (no second
   * collector: G1 is set).
   */
  public static final String JVM_OPTIONS_PROPERTY = "imgcdn.bench.cluster-jvm-options";

  private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

  private final PeerProcess process;
  private final Map<String, String> ready;

  private ImgcdnCluster(PeerProcess process, Map<String, String> ready) {
    this.process = process;
    this.ready = ready;
  }

  /** Starts the cluster under {@code dir}, seeds the bucket, and returns once every node serves. */
  public static ImgcdnCluster start(Path dir, Options o) throws IOException {
    Files.createDirectories(dir);
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + o.heap(),
                "-XX:+UseG1GC",
                "-Djava.awt.headless=true",
                "--sun-misc-unsafe-memory-access=allow",
                "-Dio.netty.noUnsafe=false",
                "--enable-native-access=ALL-UNNAMED"));
    String extra = System.getProperty(JVM_OPTIONS_PROPERTY, "").strip();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            ClusterNodeMain.class.getName(),
            "dir=" + dir.toAbsolutePath().resolve("cluster"),
            "shards=" + o.shards(),
            "edge-cache-bytes=" + o.edgeCacheBytes(),
            "shard-store-bytes=" + o.shardStoreBytes(),
            "objects=" + o.objects()));
    o.settings().forEach((k, v) -> command.add("set." + k + "=" + v));
    Path log = dir.resolve("imgcdn-cluster.log");
    Process child =
        new ProcessBuilder(CpuPlacement.current().server(command))
            .redirectErrorStream(true)
            .start();
    PeerProcess p = PeerProcess.adopt("imgcdn-cluster", child, log);
    CompletableFuture<Map<String, String>> readyLine = new CompletableFuture<>();
    Thread.ofPlatform()
        .name("imgcdn-cluster-log")
        .daemon(true)
        .start(() -> copyLog(child, log, readyLine));
    try {
      return new ImgcdnCluster(p, readyLine.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      p.close();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(
          "imgcdn cluster did not start (log " + log + "):\n" + PeerProcess.tail(log, 40), e);
    }
  }

  private static void copyLog(
      Process child, Path log, CompletableFuture<Map<String, String>> ready) {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
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
        if (!ready.isDone() && line.startsWith(ClusterNodeMain.READY + " ")) {
          out.flush();
          Map<String, String> kv = new HashMap<>();
          Arrays.stream(line.split(" "))
              .skip(1)
              .forEach(
                  w -> {
                    int eq = w.indexOf('=');
                    kv.put(w.substring(0, eq), w.substring(eq + 1));
                  });
          ready.complete(kv);
        }
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    } finally {
      ready.completeExceptionally(
          new IllegalStateException("its output ended before it was ready"));
    }
  }

  /** A value of the cluster's ready line. */
  private String ready(String key) {
    String value = ready.get(key);
    if (value == null) {
      throw new IllegalStateException("no " + key + "= in the cluster's ready line: " + ready);
    }
    return value;
  }

  public URI edge() {
    return local(Integer.parseInt(ready("edge")));
  }

  public URI origin() {
    return local(Integer.parseInt(ready("origin")));
  }

  public List<URI> shards() {
    return Arrays.stream(ready("shards").split(",")).map(s -> local(Integer.parseInt(s))).toList();
  }

  /** Bytes put into the bucket. */
  public long seededBytes() {
    return Long.parseLong(ready.get("seeded-bytes"));
  }

  public long pid() {
    return process.pid();
  }

  private static URI local(int port) {
    return URI.create("http://127.0.0.1:" + port);
  }

  /**
   * Asks the child to stop (closes its stdin) without waiting, so it can stop while other things
   * do.
   */
  public void requestStop() {
    try (OutputStream stdin = process.process().getOutputStream()) {
      stdin.flush();
    } catch (IOException e) {
      // already gone
    }
  }

  /**
   * Closes the child's stdin (it stops its nodes and exits), then stops it by pid if it has not.
   */
  @Override
  public void close() {
    requestStop();
    try {
      process.process().waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.close();
  }
}
