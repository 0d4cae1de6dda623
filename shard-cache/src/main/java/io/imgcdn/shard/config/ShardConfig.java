package io.imgcdn.shard.config;

import io.imgcdn.common.cluster.ClusterSettings;
import io.imgcdn.common.config.NodeSettings;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.upstream.UpstreamSettings;
import io.imgcdn.shard.store.ReadMode;
import io.imgcdn.shard.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of a shard-cache node.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>shard.store.dir</td><td>data/NODE-ID</td><td>RocksDB directory (survives restarts)</td></tr>
 *   <tr><td>shard.store.max-bytes</td><td>1g</td><td>bytes of data the store holds (its table files); the directory
 *   takes up to this plus a headroom of 6 x (write buffer + largest value) + 3 MiB (WAL, flushes, spare file:
 *   docs/SHARD-STORE.md), logged at start, e.g. 147 MiB at 512m, 195 MiB at 1g</td></tr>
 *   <tr><td>shard.store.disk-reserve</td><td>auto</td><td>bytes of the directory's filesystem the store leaves free:
 *   its bound is the lower of max-bytes plus its headroom and its own bytes plus the free space minus this, watched every second, so
 *   a disk that fills up makes the store evict, never stop; auto = 1% of the filesystem, at least 8m, at most
 *   1g</td></tr>
 *   <tr><td>shard.store.threads</td><td>16</td><td>disk threads (RocksDB calls never run on event loops); they block
 *   in file reads, so their number is the disk queue depth a cold load can reach</td></tr>
 *   <tr><td>shard.store.queue</td><td>1024</td><td>disk calls waiting; beyond it 503</td></tr>
 *   <tr><td>cluster.*</td><td>see ClusterSettings</td><td>the cluster file; origins are picked from it</td></tr>
 *   <tr><td>shard.store.admission</td><td>all</td><td>all: store every fill; frequent: only keys asked for
 *   shard.store.admission-min-requests times recently (fewer SSD writes, higher byte hit ratio on Zipf traces:
 *   docs/SHARD-STORE.md)</td></tr>
 *   <tr><td>shard.store.admission-min-requests</td><td>4</td><td>with admission=frequent: a fill is stored from
 *   the key's Nth recent request on (1..15; 1 = like all, but counted)</td></tr>
 *   <tr><td>shard.io-threads</td><td>cores</td><td>event loops serving HTTP (and the hits found in memory);
 *   file reads run on the shard.store.threads instead, so more loops than cores only add context switches</td></tr>
 *   <tr><td>shard.store.reads</td><td>auto</td><td>how table files are read: auto = direct when max-bytes is above
 *   shard.store.ram (the page cache cannot hold the store) and the directory's filesystem takes O_DIRECT, else
 *   pread (one log line at start says which and why); pread (through the OS page cache); mmap (cheaper warm hits,
 *   dearer cold ones, SIGBUS on a disk read error); direct (O_DIRECT, bypassing the page cache as Traffic Server
 *   does: the cheapest cold reads; the node refuses to start where the filesystem does not take O_DIRECT)</td></tr>
 *   <tr><td>shard.store.block-cache</td><td>auto</td><td>RocksDB block cache (RAM); hits found there are answered
 *   on the event loop without a file read. auto = with direct reads min(max-bytes, shard.store.ram / 2) (the only
 *   RAM copy of the hot set), else min(1g, max-bytes / 4); 0 = none</td></tr>
 *   <tr><td>shard.store.ram</td><td>auto</td><td>the RAM the two autos above assume: auto = MemTotal of
 *   /proc/meminfo, or the cgroup's memory limit if lower; set it to this node's share when several nodes share a
 *   machine</td></tr>
 *   <tr><td>shard.handoff-window</td><td>1h</td><td>after a membership change, a miss first asks the key's
 *   previous owner (its store only) before the origin, for this long</td></tr>
 *   <tr><td>shard.upstream.deadline</td><td>20s</td><td>the most one miss may take here: the origin's response
 *   head across origin candidates, and the wait for the store write before answering; a caller's
 *   X-Imgcdn-Deadline lowers it, never raises it</td></tr>
 *   <tr><td>shard.upstream.*</td><td>see UpstreamSettings</td><td>client toward the origins</td></tr>
 *   <tr><td>server.idle-timeout, server.request-timeout, server.max-connections, server.max-pipelined</td>
 *       <td>see ServerOptions</td><td>limits of the serving port (idle and slow clients, connection cap)</td></tr>
 * </table>
 */
public record ShardConfig(
    NodeSettings node,
    Path storeDir,
    long storeMaxBytes,
    int storeThreads,
    int storeQueue,
    boolean admitFrequentOnly,
    int admitMinRequests,
    long blockCacheBytes,
    ReadMode readMode,
    long storeRamBytes,
    long storeDiskReserveBytes,
    int ioThreads,
    ClusterSettings cluster,
    Duration handoffWindow,
    Duration upstreamDeadline,
    UpstreamSettings upstream,
    ServerOptions server) {

  /** Default of {@code shard.store.threads}. */
  public static final int DEFAULT_STORE_THREADS = 16;

  public static ShardConfig from(Settings s) {
    NodeSettings node = NodeSettings.from(s, "shard-1", 8081, 9081);
    return new ShardConfig(
        node,
        s.path("shard.store.dir", "data/" + node.id()),
        s.bytes("shard.store.max-bytes", "1g", 16L << 20),
        // 16, not 4: cold hits block their thread in a read, and 4 capped 32 connections at 4 reads
        // in
        // flight (bench/results/2026-11-shard-vs-ats.md, "Cold page cache": more hits/s and less
        // CPU per hit, warm unchanged).
        s.integer("shard.store.threads", DEFAULT_STORE_THREADS, 1, 256),
        s.integer("shard.store.queue", 1024, 1, 1_000_000),
        admission(s),
        s.integer(
            "shard.store.admission-min-requests",
            StoreConfig.DEFAULT_ADMIT_MIN_REQUESTS,
            1,
            StoreConfig.MAX_ADMIT_MIN_REQUESTS),
        blockCache(s),
        readMode(s),
        ram(s),
        autoOrSize(
            s,
            "shard.store.disk-reserve",
            StoreConfig.DISK_RESERVE_AUTO,
            0,
            "auto, or a size such as 0, 64m, 1g"),
        s.integer("shard.io-threads", Runtime.getRuntime().availableProcessors(), 1, 256),
        ClusterSettings.from(s),
        s.duration("shard.handoff-window", "1h"),
        s.duration("shard.upstream.deadline", "20s"),
        UpstreamSettings.from(s, "shard.upstream."),
        ServerOptions.from(s));
  }

  /** The store's settings from this configuration. */
  public StoreConfig store() {
    return new StoreConfig(
        storeDir,
        storeMaxBytes,
        storeThreads,
        storeQueue,
        blockCacheBytes,
        readMode,
        admitMinRequests,
        storeRamBytes,
        storeDiskReserveBytes);
  }

  private static ReadMode readMode(Settings s) {
    // auto (was pread): docs/SHARD-STORE.md "Read modes and the block cache".
    String raw = s.string("shard.store.reads", "auto").strip();
    return switch (raw) {
      case "auto" -> ReadMode.AUTO;
      case "mmap" -> ReadMode.MMAP;
      case "pread" -> ReadMode.PREAD;
      case "direct" -> ReadMode.DIRECT;
      default -> {
        s.problem("shard.store.reads", "'" + raw + "' (expected: auto, pread, mmap or direct)");
        yield ReadMode.AUTO;
      }
    };
  }

  private static long ram(Settings s) {
    return autoOrSize(
        s, "shard.store.ram", StoreConfig.RAM_AUTO, 1, "auto, or a size above 0 such as 64g");
  }

  private static long blockCache(Settings s) {
    return autoOrSize(
        s,
        "shard.store.block-cache",
        StoreConfig.DEFAULT_BLOCK_CACHE,
        0,
        "auto, or a size such as 0, 256m, 2g");
  }

  /**
   * "auto" (the default) as {@code auto}, else a size of at least {@code min}; a bad value is
   * reported.
   */
  private static long autoOrSize(Settings s, String key, long auto, long min, String expected) {
    String raw = s.string(key, "auto").strip();
    if (raw.equals("auto")) {
      return auto;
    }
    try {
      long bytes = Settings.parseBytes(raw);
      if (bytes >= min) {
        return bytes;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    s.problem(key, "'" + raw + "' (expected: " + expected + ")");
    return auto;
  }

  private static boolean admission(Settings s) {
    String raw = s.string("shard.store.admission", "all");
    if (!raw.equals("all") && !raw.equals("frequent")) {
      s.problem("shard.store.admission", "'" + raw + "' (expected: all or frequent)");
    }
    return raw.equals("frequent");
  }
}
