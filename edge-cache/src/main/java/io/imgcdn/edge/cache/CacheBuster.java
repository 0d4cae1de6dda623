package io.imgcdn.edge.cache;

import io.imgcdn.common.admin.ClusterPurge;
import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.common.url.UrlCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mastodon's cache buster (CACHE_BUSTER_ENABLED) on the serving port: a request with the configured
 * method and secret header, sent to a media URL when Mastodon deletes the file, purges that
 * original with every variant and format of it from every edge and shard of the cluster.
 */
public final class CacheBuster {
  /*
   * Mastodon sends CACHE_BUSTER_HTTP_METHOD (default GET) to the file's URL with the header named by
   * CACHE_BUSTER_SECRET_HEADER set to CACHE_BUSTER_SECRET. Which requests are the buster's: the configured
   * method with the configured header. A GET without the header is a reader's and is served as usual; a
   * request of another configured method (PURGE) without it is refused. A wrong secret is refused with
   * 403 before anything is parsed or purged; the comparison takes the same time wherever the first
   * differing byte is (MessageDigest.isEqual).
   * What is purged: the URL's original, i.e. every cached URL of it (the original, every preset, every
   * signed variant, every Accept representation, remembered 404s), through the cluster purge that
   * `imgcdn purge --original` sends (ClusterPurge: every edge and shard listed in the cluster file, by
   * their admin ports, with this node's admin token, which must be the cluster's). A Mastodon
   * attachment's styles are purged together: media_attachments/files/<id path>/original/<name> and
   * .../small/<name> (also under cache/, where remote media are kept), whichever of them was named.
   * The cluster file is read at each purge (they are rare), off the event loop.
   */
  private static final Logger LOG = LoggerFactory.getLogger(CacheBuster.class);

  /** Mastodon attachment styles purged together. */
  private static final Pattern MASTODON_STYLE =
      Pattern.compile("((?:.*/)?media_attachments/files/(?:[0-9]+/)+)(original|small)/([^/]+)");

  /** A Mastodon style key's other style, for the purge of both; empty for any other key. */
  static Set<String> keysToPurge(String objectKey) {
    Set<String> keys = new LinkedHashSet<>();
    keys.add(objectKey);
    Matcher m = MASTODON_STYLE.matcher(objectKey);
    if (m.matches()) {
      keys.add(m.group(1) + "original/" + m.group(3));
      keys.add(m.group(1) + "small/" + m.group(3));
    }
    return keys;
  }

  /**
   * The settings: edge.cache-buster.method (GET), .header (X-Cache-Buster-Secret), .secret (empty:
   * off).
   */
  public record Options(HttpMethod method, String header, String secret) {
    public static final Options OFF = new Options(HttpMethod.GET, "X-Cache-Buster-Secret", "");

    public boolean enabled() {
      return !secret.isEmpty();
    }

    public static Options from(Settings s, String adminToken) {
      String rawMethod = s.string("edge.cache-buster.method", "GET").strip();
      HttpMethod method = HttpMethod.GET;
      if (!rawMethod.matches("[A-Z][A-Z-]{0,19}")
          || rawMethod.equals("OPTIONS")
          || rawMethod.equals("CONNECT")) {
        s.problem(
            "edge.cache-buster.method",
            "'" + rawMethod + "' (expected: a method in capitals such as GET, PURGE or DELETE)");
      } else {
        method = HttpMethod.valueOf(rawMethod);
      }
      String header = s.string("edge.cache-buster.header", "X-Cache-Buster-Secret").strip();
      if (!header.matches("[A-Za-z0-9-]{1,64}")) {
        s.problem(
            "edge.cache-buster.header",
            "'" + header + "' (expected: a header name of letters, digits and '-')");
      }
      String secret = s.string("edge.cache-buster.secret", "");
      if (!secret.isEmpty() && secret.length() < 16) {
        s.problem("edge.cache-buster.secret", "too short (expected: at least 16 characters)");
      }
      if (!secret.isEmpty() && adminToken.isEmpty()) {
        s.problem(
            "edge.cache-buster.secret",
            "needs admin.token (the purge goes to every node's admin port with it)");
      }
      return new Options(method, header, secret);
    }
  }

  private final String nodeId;
  private final Options options;
  private final byte[] secret;
  private final Path clusterFile;
  private final String adminToken;
  private final HttpClient http;
  private final Duration perNode;
  private final String chain;

  public CacheBuster(String nodeId, Options options, Path clusterFile, String adminToken) {
    this.nodeId = nodeId;
    this.options = options;
    this.secret = options.secret().getBytes(StandardCharsets.UTF_8);
    this.clusterFile = clusterFile;
    this.adminToken = adminToken;
    this.perNode = Duration.ofSeconds(10);
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(perNode)
            .build();
    this.chain = nodeId + ";purge";
  }

  /** The method the validator must let through, when it is not GET or HEAD; else null. */
  public @Nullable HttpMethod extraMethod() {
    return HttpMethod.GET.equals(options.method()) || HttpMethod.HEAD.equals(options.method())
        ? null
        : options.method();
  }

  /**
   * The buster's answer to this request, or null when it is not the buster's (a reader's GET).
   * Never throws.
   */
  public @Nullable CompletableFuture<Response> command(
      HttpMethod method, String requestTarget, HttpHeaders headers) {
    if (!method.equals(options.method())) {
      return null;
    }
    String presented = headers.get(options.header());
    if (presented == null) {
      return extraMethod() == null
          ? null // a reader's GET
          : refused("no " + options.header() + " header (edge.cache-buster.header)");
    }
    if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), secret)) {
      return refused("wrong secret in " + options.header() + " (edge.cache-buster.secret)");
    }
    Set<String> keys;
    try {
      keys = keysToPurge(ImageUrl.parse(requestTarget).objectKey());
    } catch (HttpError e) {
      return CompletableFuture.completedFuture(Reply.error(e, chain));
    }
    StringBuilder query = new StringBuilder();
    for (String key : keys) {
      query
          .append(query.isEmpty() ? "" : "&")
          .append("original=")
          .append(URLEncoder.encode(UrlCodec.encodePath(key), StandardCharsets.UTF_8));
    }
    return CompletableFuture.supplyAsync(() -> ClusterFile.read(clusterFile))
        .thenCompose(
            (Membership m) ->
                ClusterPurge.send(http, m, query.toString(), adminToken, perNode, true))
        .handle((outcomes, failure) -> answer(keys, outcomes, failure));
  }

  private Response answer(
      Set<String> keys,
      @Nullable List<ClusterPurge.Outcome> outcomes,
      @Nullable Throwable failure) {
    if (failure != null || outcomes == null) {
      Throwable cause =
          failure != null && failure.getCause() != null ? failure.getCause() : failure;
      LOG.warn("{}: cache buster could not purge {}: {}", nodeId, keys, cause);
      return Reply.error(
          HttpResponseStatus.BAD_GATEWAY,
          nodeId + ": cache buster: cannot read the cluster file: " + cause,
          chain);
    }
    List<String> failed =
        outcomes.stream()
            .filter(o -> !o.ok())
            .map(o -> o.role() + " " + o.node().id() + " (" + o.detail() + ")")
            .toList();
    String what =
        "purged every URL of "
            + String.join(", ", keys)
            + " on "
            + (outcomes.size() - failed.size())
            + " of "
            + outcomes.size()
            + " nodes";
    if (failed.isEmpty() && !outcomes.isEmpty()) {
      LOG.info("{}: cache buster {}", nodeId, what);
      return Reply.ok(
          new ImageObject(
              "text/plain; charset=utf-8",
              "",
              "no-store",
              (what + "\n").getBytes(StandardCharsets.UTF_8)),
          chain);
    }
    LOG.warn("{}: cache buster {}; failed: {}", nodeId, what, failed);
    return Reply.error(
        HttpResponseStatus.BAD_GATEWAY,
        nodeId + ": " + what + "; failed: " + String.join("; ", failed),
        chain);
  }

  private CompletableFuture<Response> refused(String why) {
    return CompletableFuture.completedFuture(
        Reply.error(HttpResponseStatus.FORBIDDEN, "cache buster: " + why, chain));
  }
}
