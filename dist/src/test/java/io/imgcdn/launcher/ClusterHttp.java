package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.shard.ShardServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Real HTTP to a local cluster's edge and nodes, for the tests of its behaviour. */
record ClusterHttp(LocalCluster cluster, HttpClient http) {
  ClusterHttp(LocalCluster cluster) {
    this(cluster, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
  }

  /** A request of any method, without a body, to a full URL. */
  HttpResponse<String> send(String method, String url, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A GET of a path from the edge. */
  HttpResponse<String> get(String path) throws Exception {
    return send("GET", cluster.edgeUrl() + path);
  }

  /** The max-age of a response that says "public, max-age=N" (and fails the test otherwise). */
  static long maxAge(HttpResponse<?> r) {
    Matcher m =
        Pattern.compile("public, max-age=(\\d+)")
            .matcher(r.headers().firstValue("Cache-Control").orElse(""));
    assertThat(m.matches()).as("Cache-Control of %s", r.uri()).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** Requests every shard has counted (its imgcdn_requests_total; health probes are not). */
  long shardRequests() throws Exception {
    long total = 0;
    for (ShardServer s : cluster.shards()) {
      String metrics = send("GET", "http://127.0.0.1:" + s.adminPort() + "/metrics").body();
      for (String line : metrics.split("\n")) {
        if (line.startsWith("imgcdn_requests_total")) {
          total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    return total;
  }
}
