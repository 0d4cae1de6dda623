package io.imgcdn.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.hashring.Node;
import io.imgcdn.shard.config.ShardConfig;
import io.imgcdn.shard.http.ShardTier;
import io.imgcdn.shard.store.SmallDisk;
import io.imgcdn.shard.store.StoredObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard node and its store's faults (issue 18): a store RocksDB cannot open starts the node empty
 * and is counted; a full disk turns /readyz to 503 while purges still work and the node still
 * restarts, and /readyz is 200 again once space is freed. Real processes' parts: the shard's HTTP
 * and admin ports, RocksDB on a tmpfs the test mounts.
 */
class ShardStoreFaultsTest {

  private static final long MIB = 1L << 20;
  private static final String TOKEN = "test-token";

  @TempDir static Path dir;
  static SmallDisk disk;
  ShardServer shard;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void mount() throws Exception {
    disk = SmallDisk.mount(dir.resolve("small-disk"), 64 * MIB);
  }

  @AfterAll
  static void unmount() throws Exception {
    if (disk != null) {
      disk.close();
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (shard != null) {
      shard.close();
    }
    try (Stream<Path> files = Files.list(disk.path())) {
      for (Path p : files.toList()) {
        deleteTree(p);
      }
    }
  }

  private ShardServer start(Path storeDir) throws Exception {
    Path clusterFile = dir.resolve("cluster.conf");
    Files.writeString(
        clusterFile,
        ClusterFile.format(
            new Membership(List.of(), List.of(new Node("origin-1", "127.0.0.1:9", 1)))));
    Map<String, String> values = new HashMap<>();
    values.put("node.id", "shard-1");
    values.put("server.port", "0");
    values.put("admin.port", "0");
    values.put("admin.token", TOKEN);
    values.put("shard.store.dir", storeDir.toString());
    values.put("shard.store.max-bytes", "1g"); // the operator's setting, on a 64 MiB filesystem
    values.put("shard.store.disk-reserve", "8m");
    values.put("cluster.file", clusterFile.toString());
    Settings settings = Settings.of(values);
    ShardConfig config = ShardConfig.from(settings);
    settings.finish();
    return ShardServer.start(config);
  }

  private HttpResponse<String> admin(String method, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shard.adminPort() + path))
            .header("Authorization", "Bearer " + TOKEN)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(60))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private int readyz() {
    try {
      return admin("GET", "/readyz").statusCode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String key(int i) {
    return ShardTier.storeKey(ImageUrl.parse("/photos/" + i + ".jpg"));
  }

  private static StoredObject object(int i) {
    byte[] body = new byte[60 * 1024];
    new Random(i).nextBytes(body);
    return new StoredObject("image/jpeg", "\"" + i + "\"", "", "public", i, body);
  }

  @Test
  void storeFilesUnreadable_nodeStartsEmptyReadyAndCountsIt() throws Exception {
    Path storeDir = disk.path().resolve("store");
    shard = start(storeDir);
    shard.store().put(key(1), object(1)).get(30, TimeUnit.SECONDS);
    shard.close();
    Files.writeString(storeDir.resolve("CURRENT"), "garbage\n");

    shard = start(storeDir);

    assertThat(readyz()).isEqualTo(200);
    assertThat(shard.store().recoveredAtOpen()).hasValue("unreadable");
    String metrics = admin("GET", "/metrics").body();
    assertThat(metric(metrics, "imgcdn_shard_store_recovered_total", "reason=\"unreadable\""))
        .isEqualTo(1.0);
    assertThat(metric(metrics, "imgcdn_shard_store_recovered_total", "reason=\"no-space\""))
        .isEqualTo(0.0);
    assertThat(metric(metrics, "imgcdn_cache_writable", "")).isEqualTo(1.0);
    try (Stream<Path> siblings = Files.list(disk.path())) {
      assertThat(siblings.map(p -> p.getFileName().toString()))
          .anyMatch(name -> name.startsWith("store.unreadable-"));
    }
  }

  @Test
  void diskFull_readyz503PurgeWorksRestartWorks_then200OnceFreed() throws Exception {
    Path storeDir = disk.path().resolve("store");
    shard = start(storeDir);
    for (int i = 0; i < 700; i++) {
      shard.store().put(key(i), object(i)).get(30, TimeUnit.SECONDS);
    }
    assertThat(readyz()).isEqualTo(200);

    // Another program fills the filesystem, again each time the store gave its reserve back.
    long fillStart = System.nanoTime();
    for (int round = 0; round < 20 && readyz() == 200; round++) {
      disk.fill("ballast");
      SmallDisk.holdsWithin(Duration.ofSeconds(5), () -> readyz() == 503 || usable() >= 6 * MIB);
      assertThat(readyz() == 503 || readyz() == 200).isTrue();
    }
    long notReadyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - fillStart);
    assertThat(readyz()).as("not ready: the store cannot write").isEqualTo(503);
    assertThat(admin("GET", "/healthz").statusCode()).as("alive").isEqualTo(200);
    assertThat(metric(admin("GET", "/metrics").body(), "imgcdn_cache_writable", "")).isZero();

    long purgeStart = System.nanoTime();
    HttpResponse<String> purge = admin("POST", "/admin/purge?path=/photos/699.jpg");
    long purgeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - purgeStart);
    assertThat(purge.statusCode()).as(purge.body()).isEqualTo(200);
    assertThat(purge.body().strip()).isEqualTo("purged 1 objects");
    HttpResponse<byte[]> whileFull = get("/photos/698.jpg");
    assertThat(whileFull.headers().firstValue("X-Cache"))
        .as("hits still served")
        .hasValue("shard-1;hit");

    shard.close();
    long startAt = System.nanoTime();
    shard = start(storeDir);
    long restartMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startAt);
    boolean readyOnFullDisk = readyz() == 200;

    disk.free("ballast");
    long readyMillis =
        SmallDisk.millisUntil(Duration.ofSeconds(30), "/readyz 200", () -> readyz() == 200);
    shard.store().put(key(1000), object(1000)).get(30, TimeUnit.SECONDS);
    HttpResponse<byte[]> hit = get("/photos/1000.jpg");
    System.out.printf(
        "DISK shard on a 64 MiB tmpfs (max-bytes 1g, reserve 8m): /readyz 503 %d ms after another"
            + " program began filling it; purge while full %d ms (%d); restart on the full disk"
            + " %d ms (%s, ready %s); space freed: /readyz 200 after %d ms%n",
        notReadyMillis,
        purgeMillis,
        purge.statusCode(),
        restartMillis,
        shard.store().recoveredAtOpen().orElse("opened as it was"),
        readyOnFullDisk,
        readyMillis);
    assertThat(hit.statusCode()).isEqualTo(200);
    assertThat(hit.headers().firstValue("X-Cache")).as("stored again").hasValue("shard-1;hit");
    assertThat(hit.body()).isEqualTo(object(1000).body());
  }

  private HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shard.port() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The value of the sample of {@code name} whose labels contain {@code label}. */
  private static double metric(String metrics, String name, String label) {
    return metrics
        .lines()
        .filter(l -> l.startsWith(name + "{") && l.contains(label))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " with " + label + " in " + metrics));
  }

  private static long usable() {
    try {
      return disk.usableBytes();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path p) throws Exception {
    if (Files.isDirectory(p)) {
      try (Stream<Path> children = Files.list(p)) {
        for (Path c : children.toList()) {
          deleteTree(c);
        }
      }
    }
    Files.delete(p);
  }
}
