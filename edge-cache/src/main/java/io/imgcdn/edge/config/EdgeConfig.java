package io.imgcdn.edge.config;

import io.imgcdn.common.cluster.ClusterSettings;
import io.imgcdn.common.config.NodeSettings;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.Http2Options;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.upstream.UpstreamSettings;
import io.imgcdn.edge.cache.Admission;
import io.imgcdn.edge.http3.Http3Options;
import io.imgcdn.edge.policy.ResponsePolicy;
import io.imgcdn.edge.tls.TlsSettings;
import io.imgcdn.hashring.Placement;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of an edge-cache node.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>edge.cache.max-bytes</td><td>256m</td><td>off-heap memory for cached objects (bodies and their
 *       heads, weighed by bytes); must fit under -XX:MaxDirectMemorySize</td></tr>
 *   <tr><td>edge.cache.max-object-bytes</td><td>4m</td><td>larger objects are streamed from the shard to
 *       the client, never kept in memory</td></tr>
 *   <tr><td>edge.cache.admission</td><td>adaptive</td><td>which fetched objects enter memory: adaptive
 *       (the long-memory filter while it predicts better than a short memory, else W-TinyLFU alone), tinylfu
 *       (Caffeine's W-TinyLFU), frequency (plus a long-memory filter; byte hit ratio) or frequency-per-byte
 *       (plus a size-aware filter; object hit ratio); see docs/EDGE.md</td></tr>
 *   <tr><td>edge.index-key</td><td>""</td><td>object served for GET / (e.g. index.html); empty: 404</td></tr>
 *   <tr><td>edge.stream.detach-after</td><td>1s</td><td>a client of a relayed (large) object that has held the
 *       relay back this long, while another client waited half as long or less, gets a shard request of its
 *       own for the rest (Range); 0 never</td></tr>
 *   <tr><td>edge.stream.release-after</td><td>5s</td><td>when every client of a relayed object has read
 *       nothing for this long, the relay closes its shard connection (so stalled clients cannot take every
 *       pooled connection to a shard); each asks for the rest (Range) when it reads again; 0 never</td></tr>
 *   <tr><td>edge.upstream.attempts</td><td>2</td><td>shard candidates tried per miss (owner, then the next on the ring)</td></tr>
 *   <tr><td>edge.upstream.deadline</td><td>30s</td><td>total time for a miss across all candidates, until
 *       the response head (a stored object: until its last byte); the shards and the origin behind them
 *       get what is left (X-Imgcdn-Deadline). Above shard.upstream.deadline (20s), itself above
 *       origin.deadline (15s), so that an inner tier gives up first and says why, and an object the
 *       origin made in time still reaches the client (the shard collects and stores it first)</td></tr>
 *   <tr><td>edge.upstream.balance-factor</td><td>0.25</td><td>bounded loads: no shard gets more than
 *       (1 + this) times the mean of this edge's in-flight requests; 0 turns it off</td></tr>
 *   <tr><td>edge.upstream.balance-floor</td><td>edge.upstream.max-connections (64)</td><td>keys move off their
 *       owner only while it has at least this many of this edge's requests in flight: by default only when
 *       every pooled connection to it is busy (real overload, not noise); a moved miss is relayed from the
 *       owner by the stand-in, never filled from the origin (Spill)</td></tr>
 *   <tr><td>edge.upstream.*</td><td>see UpstreamSettings</td><td>client toward the shards</td></tr>
 *   <tr><td>edge.health.interval</td><td>2s</td><td>active health check of every shard (a HEAD on its serving port)</td></tr>
 *   <tr><td>edge.health.timeout</td><td>1s</td><td>a probe slower than this counts as a failure</td></tr>
 *   <tr><td>cluster.file</td><td>(required)</td><td>the cluster file: shards are picked from it</td></tr>
 *   <tr><td>cluster.placement</td><td>maglev</td><td>ring algorithm; every node must use the same (ClusterSettings)</td></tr>
 *   <tr><td>cluster.reload-interval</td><td>2s</td><td>how often the cluster file's mtime is checked</td></tr>
 *   <tr><td>server.*</td><td>see ServerOptions</td><td>idle and request timeouts, connection cap, pipelining</td></tr>
 *   <tr><td>server.http2.*</td><td>see Http2Options</td><td>HTTP/2 on the HTTPS port: streams, header list, windows, reset and control-frame floods</td></tr>
 *   <tr><td>server.http3.*</td><td>see Http3Options</td><td>HTTP/3 over QUIC on the HTTPS port's number (UDP), advertised by Alt-Svc: off by default (CPU per hit); streams, header section, idle timeout, windows</td></tr>
 *   <tr><td>server.shutdown-grace</td><td>10s</td><td>on shutdown, time given to in-flight requests</td></tr>
 *   <tr><td>server.io-threads</td><td>cores</td><td>event loops</td></tr>
 *   <tr><td>edge.policy.*</td><td>see ResponsePolicy</td><td>headers of every response (CORS, nosniff,
 *       CSP, operator headers per key prefix), active content as attachments or refused, hotlink
 *       protection by Referer</td></tr>
 *   <tr><td>edge.tls.*</td><td>see TlsSettings</td><td>HTTPS: certificates (SNI), port, the cleartext
 *       port's role, session ticket keys, reloads</td></tr>
 * </table>
 */
public record EdgeConfig(
    NodeSettings node,
    long cacheMaxBytes,
    long maxObjectBytes,
    Admission admission,
    String indexKey,
    int attempts,
    Duration upstreamDeadline,
    double balanceFactor,
    int balanceFloor,
    UpstreamSettings upstream,
    Duration healthInterval,
    Duration healthTimeout,
    Path clusterFile,
    Placement placement,
    Duration reloadInterval,
    ServerOptions server,
    Http2Options http2,
    Http3Options http3,
    Duration shutdownGrace,
    int ioThreads,
    Duration streamDetachAfter,
    Duration streamReleaseAfter,
    TlsSettings tls,
    ResponsePolicy policy) {

  /** Default of edge.stream.detach-after. */
  public static final Duration DEFAULT_STREAM_DETACH_AFTER = Duration.ofSeconds(1);

  /** Default of edge.stream.release-after. */
  public static final Duration DEFAULT_STREAM_RELEASE_AFTER = Duration.ofSeconds(5);

  /** A duration, or 0 (or "off") for never. */
  private static Duration durationOrOff(Settings s, String key, String defaultValue) {
    String raw = s.string(key, defaultValue).strip();
    if (raw.equals("0") || raw.equalsIgnoreCase("off")) {
      return Duration.ZERO;
    }
    return s.duration(key, defaultValue);
  }

  public static EdgeConfig from(Settings s) {
    NodeSettings node = NodeSettings.from(s, "edge-1", 8080, 9080);
    ClusterSettings cluster = ClusterSettings.from(s);
    long maxObject = s.bytes("edge.cache.max-object-bytes", "4m", 0);
    if (maxObject > 1L << 30) {
      s.problem("edge.cache.max-object-bytes", maxObject + " (expected: at most 1g)");
      maxObject = 4L << 20;
    }
    Admission admission = Admission.ADAPTIVE;
    String rawAdmission = s.string("edge.cache.admission", "adaptive");
    try {
      admission = Admission.named(rawAdmission);
    } catch (IllegalArgumentException e) {
      s.problem(
          "edge.cache.admission",
          "'" + rawAdmission + "' (expected: adaptive, tinylfu, frequency or frequency-per-byte)");
    }
    double balance = 0.25;
    String rawBalance = s.string("edge.upstream.balance-factor", "0.25");
    try {
      balance = Double.parseDouble(rawBalance);
      if (!(balance >= 0 && balance <= 100)) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      s.problem(
          "edge.upstream.balance-factor",
          "'" + rawBalance + "' (expected: a number from 0 to 100, e.g. 0.25)");
      balance = 0.25;
    }
    UpstreamSettings upstream = UpstreamSettings.from(s, "edge.upstream.");
    TlsSettings tls = TlsSettings.from(s);
    if (tls.enabled() && tls.port() != 0 && tls.port() == node.port()) {
      s.problem(
          TlsSettings.PORT,
          tls.port() + " is also server.port (expected: a port of its own for HTTPS)");
    }
    ServerOptions server = ServerOptions.from(s);
    return new EdgeConfig(
        node,
        s.bytes("edge.cache.max-bytes", "256m", 0),
        maxObject,
        admission,
        s.string("edge.index-key", ""),
        s.integer("edge.upstream.attempts", 2, 1, 10),
        s.duration("edge.upstream.deadline", "30s"),
        balance,
        s.integer("edge.upstream.balance-floor", upstream.maxConnections(), 0, 1_000_000),
        upstream,
        s.duration("edge.health.interval", "2s"),
        s.duration("edge.health.timeout", "1s"),
        cluster.file(),
        cluster.placement(),
        cluster.reloadInterval(),
        server,
        Http2Options.from(s),
        Http3Options.from(s, server.idleTimeout()),
        s.duration("server.shutdown-grace", "10s"),
        s.integer("server.io-threads", Runtime.getRuntime().availableProcessors(), 1, 1024),
        durationOrOff(s, "edge.stream.detach-after", "1s"),
        durationOrOff(s, "edge.stream.release-after", "5s"),
        tls,
        ResponsePolicy.from(s));
  }
}
