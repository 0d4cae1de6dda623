package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, a corrupted body on disk: bytes flipped inside objects in a shard's RocksDB table files
 * (shard stopped, files edited, shard started again) are detected by checksum, never served, and
 * fetched again.
 */
class StoreCorruptionTest {
  /*
   * Getting the bodies into table files: a stopped shard's recent writes are in its WAL; starting it again
   * replays the WAL and flushes it to a table file (RocksDB flushes during recovery), so stop, start, stop
   * leaves every body in .sst files. Bodies are stored uncompressed, so a 64-byte run from the middle of
   * a body is found in the file as is; one byte in it is inverted. RocksDB's block checksum (reads verify
   * checksums) or the store's CRC32C of the value then fails on read, the store counts it
   * (imgcdn_cache_checksum_failures_total), deletes the key and answers a miss, and the shard fills again
   * from the origin. Every other key of a damaged 64 KB block fails the same way, so more keys than the
   * ones edited may be refetched: the test requires at least the edited ones.
   */
  private static final int KEYS = 60;
  private static final int VICTIM = 0;
  private static final int CORRUPTED = 3;

  @TempDir Path dir;
  FaultCluster cluster;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void flippedBytesInTableFiles_neverServedCountedAndRefetched() throws Exception {
    cluster = FaultCluster.start(dir, FaultCluster.Options.inProcess(3).edgeCacheBytes(64 << 10));
    ObjectSet objects = ObjectSet.put(cluster.s3(), "c", KEYS, 11);
    String victimId = FaultCluster.shardId(VICTIM);
    List<Integer> victimKeys = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      assertThat(get(objects.path(k)).statusCode()).isEqualTo(200);
      if (cluster.owner(objects.path(k)) == VICTIM) {
        victimKeys.add(k);
      }
    }
    assertThat(victimKeys).hasSizeGreaterThan(CORRUPTED);

    cluster.stopShard(VICTIM);
    cluster.startShard(VICTIM); // replays the WAL into a table file
    cluster.stopShard(VICTIM);
    Map<Integer, String> corrupted = corrupt(cluster.shardDir(VICTIM), objects, victimKeys);
    assertThat(corrupted).as("bodies found in table files").hasSize(CORRUPTED);
    cluster.startShard(VICTIM);
    cluster.restartEdge();
    double originBefore = originRequests();

    List<Integer> refetched = new ArrayList<>();
    for (int k : victimKeys) {
      HttpResponse<byte[]> r = get(objects.path(k));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body())
          .as("%s is never served corrupted", objects.path(k))
          .isEqualTo(objects.body(k));
      String xCache = r.headers().firstValue("X-Cache").orElse("");
      if (xCache.equals("edge-1;miss, " + victimId + ";miss, origin-1;miss")) {
        refetched.add(k);
      } else {
        assertThat(xCache).isEqualTo("edge-1;miss, " + victimId + ";hit");
      }
    }
    double originRequests = originRequests() - originBefore;
    double failures =
        FaultCluster.metric(
            cluster.metrics(cluster.shard(VICTIM).adminPort()),
            "imgcdn_cache_checksum_failures_total");
    System.out.printf(
        "FAULTS corruption: %d of %d keys on %s edited (%s); %d refetched %s; "
            + "checksum failures counted %.0f; requests to the origin %.0f%n",
        corrupted.size(),
        victimKeys.size(),
        victimId,
        corrupted.values(),
        refetched.size(),
        refetched,
        failures,
        originRequests);
    assertThat(refetched).containsAll(corrupted.keySet());
    assertThat(failures).isGreaterThanOrEqualTo(corrupted.size());
    assertThat(originRequests).isEqualTo(refetched.size());

    // Refetched copies were stored again: under load, every key comes back intact, the victim's as
    // hits.
    cluster.restartEdge();
    try (ZipfLoad load =
        new ZipfLoad(cluster.edgeUrl(), objects, 0.9, 4, 2_000, Duration.ofSeconds(30))) {
      load.start();
      List<Outcome> outcomes = load.finish(Duration.ofSeconds(60));
      assertThat(outcomes).hasSize(2_000).allMatch(Outcome::ok);
      assertThat(outcomes)
          .filteredOn(o -> corrupted.containsKey(o.key()))
          .anyMatch(o -> o.xCache().contains(victimId + ";hit"));
    }
    assertThat(
            FaultCluster.metric(
                cluster.metrics(cluster.shard(VICTIM).adminPort()),
                "imgcdn_cache_checksum_failures_total"))
        .isEqualTo(failures);
  }

  /**
   * Inverts one byte in the middle of the stored body of the first CORRUPTED keys found in table
   * files.
   */
  private static Map<Integer, String> corrupt(Path storeDir, ObjectSet objects, List<Integer> keys)
      throws Exception {
    List<Path> tables;
    try (Stream<Path> files = Files.list(storeDir)) {
      tables = files.filter(p -> p.getFileName().toString().endsWith(".sst")).sorted().toList();
    }
    Map<Integer, String> done = new LinkedHashMap<>();
    for (int k : keys) {
      byte[] body = objects.body(k);
      byte[] needle = Arrays.copyOfRange(body, body.length / 2, body.length / 2 + 64);
      for (Path table : tables) {
        byte[] bytes = Files.readAllBytes(table);
        int at = indexOf(bytes, needle);
        if (at >= 0) {
          bytes[at + 32] ^= (byte) 0xFF;
          Files.write(table, bytes);
          done.put(k, table.getFileName() + "@" + (at + 32));
          break;
        }
      }
      if (done.size() == CORRUPTED) {
        break;
      }
    }
    return done;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private double originRequests() {
    return FaultCluster.metric(
        cluster.metrics(cluster.origin().adminPort()), "imgcdn_requests_total");
  }

  private HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
