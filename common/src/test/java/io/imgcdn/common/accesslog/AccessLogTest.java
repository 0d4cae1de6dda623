package io.imgcdn.common.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.http.Transports;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server on 127.0.0.1 writing its access log; requests sent as raw bytes over a socket. */
class AccessLogTest {
  @TempDir Path dir;
  EventLoopGroup group;
  HttpServer server;
  AccessLog log;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdownGracefully(Duration.ZERO);
    }
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (log != null) {
      log.close();
    }
  }

  /** Serves /ok (100 bytes, a miss answered by up-2), anything else 404, through an access log. */
  private void start(AccessLogSettings.Format format) {
    log = AccessLog.open(new AccessLogSettings(format, dir.resolve("logs/access.log"), 1024), "n");
    group = Transports.group(1, "access-log-test");
    Tier tier =
        (url, headers) ->
            url.path().equals("/ok")
                ? CompletableFuture.completedFuture(
                    Reply.ok(
                        new ImageObject(
                            "image/jpeg", "\"e\"", ImageObject.IMMUTABLE, new byte[100]),
                        "n;miss, up-2;hit"))
                : CompletableFuture.completedFuture(
                    Reply.error(HttpResponseStatus.NOT_FOUND, "none", "n;miss"));
    server =
        HttpServer.bind(
            group,
            group,
            "127.0.0.1",
            0,
            ServerOptions.withIdleTimeout(Duration.ofSeconds(30)),
            () -> new ObjectServerHandler("n", tier, null, 16).accessLog(log));
  }

  /** Sends one request (raw bytes, Connection: close) and returns the status line. */
  private String request(String target, String... headers) throws IOException {
    StringBuilder head =
        new StringBuilder(
            "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (String h : headers) {
      head.append(h).append("\r\n");
    }
    head.append("\r\n");
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String response = all.toString(StandardCharsets.ISO_8859_1);
      return response.substring(0, response.indexOf("\r\n"));
    }
  }

  /** Stops the server and the log (which writes everything queued), then reads the lines. */
  private List<String> lines() throws IOException {
    server.shutdownGracefully(Duration.ofSeconds(10));
    server = null;
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    group = null;
    log.close();
    return Files.readAllLines(dir.resolve("logs/access.log"), StandardCharsets.UTF_8);
  }

  static Map<String, String> ltsv(String line) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String field : line.split("\t", -1)) {
      int colon = field.indexOf(':');
      assertThat(colon).as("field '%s' of line %s", field, line).isPositive();
      assertThat(fields.put(field.substring(0, colon), field.substring(colon + 1)))
          .as("label twice")
          .isNull();
    }
    return fields;
  }

  @Test
  void ltsv_requests_oneParsableLinePerRequestWithStatusBytesAndVerdicts() throws IOException {
    start(AccessLogSettings.Format.LTSV);
    Instant before = Instant.now().minusSeconds(1);
    assertThat(request("/ok?x=1", "User-Agent: probe/1.0", "X-Request-Id: req-42"))
        .isEqualTo("HTTP/1.1 200 OK");
    assertThat(request("/missing.jpg")).isEqualTo("HTTP/1.1 404 Not Found");

    List<String> lines = lines();
    assertThat(lines).hasSize(2);
    Map<String, String> ok = ltsv(lines.get(0));
    assertThat(ok.keySet())
        .containsExactly(
            "time",
            "node",
            "host",
            "method",
            "uri",
            "protocol",
            "status",
            "size",
            "reqtime_microsec",
            "cache",
            "upstream",
            "xcache",
            "ua",
            "reqid");
    assertThat(Instant.parse(ok.get("time"))).isBetween(before, Instant.now());
    assertThat(ok)
        .containsEntry("node", "n")
        .containsEntry("host", "127.0.0.1")
        .containsEntry("method", "GET")
        .containsEntry("uri", "/ok?x=1")
        .containsEntry("protocol", "HTTP/1.1")
        .containsEntry("status", "200")
        .containsEntry("size", "100")
        .containsEntry("cache", "miss")
        .containsEntry("upstream", "up-2")
        .containsEntry("xcache", "n;miss, up-2;hit")
        .containsEntry("ua", "probe/1.0")
        .containsEntry("reqid", "req-42");
    assertThat(Long.parseLong(ok.get("reqtime_microsec"))).isNotNegative();

    Map<String, String> missing = ltsv(lines.get(1));
    assertThat(missing)
        .containsEntry("uri", "/missing.jpg")
        .containsEntry("status", "404")
        .containsEntry("cache", "miss")
        .containsEntry("upstream", "-")
        .containsEntry("ua", "-")
        .containsEntry("reqid", "-");
    assertThat(Long.parseLong(missing.get("size"))).isPositive(); // the error's text body
    assertThat(log.written()).isEqualTo(2);
    assertThat(log.dropped()).isZero();
  }

  @Test
  void ltsv_controlCharactersInPath_escapedOnOneLine() throws IOException {
    start(AccessLogSettings.Format.LTSV);
    String status = request("/a\u0001b\u007fc\\d\u001b[31m");
    assertThat(status).startsWith("HTTP/1.1 400");

    List<String> lines = lines();
    assertThat(lines).hasSize(1);
    assertThat(ltsv(lines.get(0)))
        .containsEntry("uri", "/a\\x01b\\x7fc\\\\d\\x1b[31m")
        .containsEntry("status", "400")
        .containsEntry("cache", "error");
    assertThat(lines.get(0).chars().filter(c -> c < 0x20 && c != '\t' || c == 0x7f)).isEmpty();
  }

  @Test
  void json_request_oneObjectPerLineWithTypedFields() throws IOException {
    start(AccessLogSettings.Format.JSON);
    request("/ok", "User-Agent: say \"hi\"\\");

    List<String> lines = lines();
    assertThat(lines).hasSize(1);
    String line = lines.get(0);
    assertThat(line)
        .startsWith("{\"time\":\"")
        .endsWith("\"reqid\":null}")
        .contains(
            "\"uri\":\"/ok\"",
            "\"status\":200,",
            "\"size\":100,",
            "\"cache\":\"miss\"",
            "\"upstream\":\"up-2\"",
            "\"ua\":\"say \\\"hi\\\"\\\\\"");
  }

  @Test
  void log_fasterThanTheWriter_dropsAndCountsNeverBlocks() throws IOException {
    log =
        AccessLog.open(
            new AccessLogSettings(AccessLogSettings.Format.LTSV, dir.resolve("burst.log"), 16),
            "n");
    var headers = new io.netty.handler.codec.http.DefaultHttpHeaders();
    for (int i = 0; i < 100_000; i++) {
      log.log(
          io.netty.handler.codec.http.HttpMethod.GET,
          "/k" + i,
          io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
          null,
          headers,
          200,
          "n;hit",
          10,
          1_000);
    }
    log.close();
    long lines = Files.readAllLines(dir.resolve("burst.log")).size();
    assertThat(log.dropped()).isPositive(); // 100,000 offers into 16 slots outrun any writer
    assertThat(log.written()).isEqualTo(lines);
    assertThat(lines + log.dropped()).isEqualTo(100_000); // every line written or counted
    log = null;
  }

  @Test
  void from_badFormat_problemNamesKeyAndChoices() {
    Settings s = Settings.of(Map.of("server.access-log", "xml"));
    AccessLogSettings.from(s);
    assertThatThrownBy(s::finish)
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly("server.access-log: 'xml' (expected: off, ltsv or json)"));
  }

  @Test
  void from_defaults_ltsvToTheLogger() {
    Settings s = Settings.of(Map.of());
    AccessLogSettings a = AccessLogSettings.from(s);
    s.finish();
    assertThat(a).isEqualTo(new AccessLogSettings(AccessLogSettings.Format.LTSV, null, 16_384));
    assertThat(AccessLog.open(AccessLogSettings.off(), "n")).isNull();
  }

  @Test
  void line_xCacheChains_verdictAndUpstream() {
    assertThat(AccessLine.verdict("edge-1;hit")).isEqualTo("hit");
    assertThat(AccessLine.upstream("edge-1;hit")).isNull();
    assertThat(AccessLine.upstream("edge-1;miss, shard-2;miss, origin-1;miss"))
        .isEqualTo("shard-2");
    assertThat(AccessLine.verdict(null)).isNull();
    assertThat(AccessLine.verdict("")).isNull();
  }
}
