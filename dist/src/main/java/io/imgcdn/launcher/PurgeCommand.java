package io.imgcdn.launcher;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.common.url.UrlCodec;
import io.imgcdn.hashring.Node;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code imgcdn purge}: removes URLs, or every URL of an original, from every edge and every shard.
 */
@Command(
    name = "purge",
    mixinStandardHelpOptions = true,
    description = {
      "Remove URLs (or, with --original, every URL of an original) from every edge and every shard "
          + "listed in the cluster file, through their admin ports (the nodes' admin= fields).",
      "Prints one line per node and exits 1 if any node could not be purged."
    },
    footer = {
      "",
      "The admin token comes from --token, else the environment variable IMGCDN_ADMIN_TOKEN, else "
          + "admin.token in the node configuration given with --config.",
      "Examples:",
      "  imgcdn purge --cluster /etc/imgcdn/cluster.conf /v/w150/photos/a.jpg"
          + " https://cdn.example/photos/b.jpg",
      "  IMGCDN_ADMIN_TOKEN=... imgcdn purge --cluster cluster.conf --original photos/a.jpg",
      "  imgcdn purge --config /etc/imgcdn/edge-1/node.properties /v/w150/photos/a.jpg"
    })
final class PurgeCommand implements Callable<Integer> {
  /*
   * Every shard, not only the key's owner and failover candidates: after a membership change a copy may sit
   * on the previous owner (hand-off reads it for shard.handoff-window), and a shard's ring view may differ
   * from this file's for a reload interval. A purge is rare, and a request per shard is cheap. Every edge,
   * since every edge caches every URL. Origins keep no variants, only recently read originals in memory: they
   * are asked for --original only, so that an original replaced in S3 is read again rather than resized from
   * the old bytes. The nodes purge in parallel; one failure does not stop the others.
   */
  static final String TOKEN_ENV = "IMGCDN_ADMIN_TOKEN";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-C", "--cluster"},
      paramLabel = "FILE",
      description = "The cluster file (default: cluster.file of --config).")
  @Nullable Path cluster;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description =
          "A node's properties file: its admin.token and cluster.file are used when not given"
              + " otherwise.")
  @Nullable Path config;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "Admin token (visible to other users in the process list: prefer " + TOKEN_ENV + ").")
  @Nullable String token;

  @Option(
      names = "--original",
      paramLabel = "KEY",
      description =
          "Purge every URL (original, presets, signed variants) of this S3 object key (repeatable);"
              + " origins also forget their in-memory copy of it.")
  List<String> originals = new ArrayList<>();

  @Option(
      names = "--timeout",
      defaultValue = "10s",
      description = "Per node (default ${DEFAULT-VALUE}).")
  String timeout;

  @Parameters(
      paramLabel = "URL",
      arity = "0..*",
      description = "Paths (/v/w150/a.jpg) or full URLs to purge.")
  List<String> urls = new ArrayList<>();

  /** One node's outcome. */
  record Outcome(Node node, String role, @Nullable String admin, boolean ok, String detail) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (urls.isEmpty() && originals.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "nothing to purge (expected: URL... or --original KEY)");
    }
    Map<String, String> nodeConfig =
        config == null ? Map.of() : Settings.load(config, Map.of()).withPrefix("");
    String secret =
        token != null
            ? token
            : System.getenv(TOKEN_ENV) != null
                ? System.getenv(TOKEN_ENV)
                : nodeConfig.getOrDefault("admin.token", "");
    if (secret.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "no admin token (expected: --token, " + TOKEN_ENV + " or admin.token in --config)");
    }
    Path clusterFile =
        cluster != null
            ? cluster
            : nodeConfig.containsKey("cluster.file")
                ? Path.of(nodeConfig.get("cluster.file"))
                : null;
    if (clusterFile == null) {
      throw new ParameterException(
          spec.commandLine(),
          "no cluster file (expected: --cluster FILE, or --config "
              + "naming a node configuration with cluster.file)");
    }
    String query = query();
    Duration perNode = Settings.parseDuration(timeout);
    Membership m = ClusterFile.read(clusterFile);

    List<Node> nodes = new ArrayList<>(m.edges());
    nodes.addAll(m.shards());
    if (!originals.isEmpty()) {
      nodes.addAll(m.origins());
    }
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(perNode)
            .build();
    List<CompletableFuture<Outcome>> calls = new ArrayList<>();
    for (Node n : nodes) {
      String role = m.edges().contains(n) ? "edge" : m.shards().contains(n) ? "shard" : "origin";
      calls.add(purge(http, n, role, m.adminAddress(n.id()), query, secret, perNode));
    }
    int failed = 0;
    out.printf(
        "purging %s on %s, %s%s%n",
        describe(),
        count(m.edges().size(), "edge"),
        count(m.shards().size(), "shard"),
        originals.isEmpty() ? "" : " and " + count(m.origins().size(), "origin"));
    for (CompletableFuture<Outcome> call : calls) {
      Outcome o = call.join();
      failed += o.ok() ? 0 : 1;
      out.printf(
          "  %-6s %-16s %-22s %-6s %s%n",
          o.role(),
          o.node().id(),
          o.admin() == null ? "-" : o.admin(),
          o.ok() ? "OK" : "FAILED",
          o.detail());
    }
    if (nodes.isEmpty()) {
      out.println("  (the cluster file lists no nodes to purge)");
    }
    out.printf(
        "%d of %d nodes purged%s%n",
        nodes.size() - failed, nodes.size(), failed == 0 ? "" : "; " + failed + " failed");
    out.flush();
    return failed == 0 && !nodes.isEmpty() ? 0 : 1;
  }

  /**
   * The admin query: path= for each URL (as its encoded path), original= for each key; all
   * validated first.
   */
  private String query() {
    StringBuilder q = new StringBuilder();
    for (String raw : urls) {
      String target =
          raw.startsWith("http://") || raw.startsWith("https://")
              ? URI.create(raw).getRawPath()
              : raw;
      ImageUrl.parse(target); // a URL the nodes would refuse fails here, with the reason
      q.append(q.isEmpty() ? "" : "&")
          .append("path=")
          .append(URLEncoder.encode(target, StandardCharsets.UTF_8));
    }
    for (String key : originals) {
      String encoded = UrlCodec.encodePath(key.startsWith("/") ? key.substring(1) : key);
      ImageUrl.parse("/" + encoded);
      q.append(q.isEmpty() ? "" : "&")
          .append("original=")
          .append(URLEncoder.encode(encoded, StandardCharsets.UTF_8));
    }
    return q.toString();
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private String describe() {
    List<String> what = new ArrayList<>(urls);
    originals.forEach(k -> what.add("every URL of " + k));
    return String.join(", ", what);
  }

  private static CompletableFuture<Outcome> purge(
      HttpClient http,
      Node node,
      String role,
      @Nullable String admin,
      String query,
      String secret,
      Duration timeout) {
    if (admin == null) {
      return CompletableFuture.completedFuture(
          new Outcome(
              node, role, null, false, "no admin=host:port for this node in the cluster file"));
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + admin + "/admin/purge?" + query))
            .timeout(timeout)
            .header("Authorization", "Bearer " + secret)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (r, failure) -> {
              if (failure != null) {
                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                return new Outcome(node, role, admin, false, "unreachable: " + cause);
              }
              String body = r.body().strip();
              return switch (r.statusCode()) {
                case 200 -> new Outcome(node, role, admin, true, body);
                case 401 ->
                    new Outcome(
                        node,
                        role,
                        admin,
                        false,
                        "401: wrong admin token (the node's admin.token)");
                case 403 -> new Outcome(node, role, admin, false, "403: " + body);
                default -> new Outcome(node, role, admin, false, r.statusCode() + ": " + body);
              };
            });
  }
}
