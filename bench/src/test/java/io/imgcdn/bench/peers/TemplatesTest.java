package io.imgcdn.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplatesTest {

  @Test
  void render_atsRecords_portOnLoopbackAndNoPlaceholderLeft() {
    String text =
        Templates.render(
            "ats/records.config", Map.of("port", "18091", "ram_cache", "-1", "threads", "3"));

    assertThat(text)
        .contains(
            "CONFIG proxy.config.http.server_ports STRING 18091:ip-in=127.0.0.1",
            "CONFIG proxy.config.admin.user_id STRING #-1",
            "CONFIG proxy.config.cache.ram_cache.size INT -1",
            "CONFIG proxy.config.exec_thread.limit INT 3")
        .doesNotContain("${");
  }

  @Test
  void render_xCacheRules_everyCacheResultNamesTheNode() {
    String text = Templates.render("ats/x-cache.conf", Map.of("node_id", "ats-2"));

    assertThat(text)
        .contains("\"ats-2;hit\"", "\"ats-2;miss\"", "\"ats-2;stale\"")
        .doesNotContain("${");
  }

  @Test
  void render_missingValue_failsNamingThePlaceholder() {
    assertThatThrownBy(() -> Templates.render("ats/remap.config", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("${origin}");
  }

  @Test
  void render_unusedValue_failsNamingTheValue() {
    assertThatThrownBy(
            () -> Templates.render("ats/remap.config", Map.of("origin", "http://x", "orign", "y")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("orign");
  }

  @Test
  void render_nginxFront_keepsNginxVariables() {
    String text =
        Templates.render(
            "nginx/front.conf",
            Map.of(
                "common",
                "# common",
                "dir",
                "/d",
                "cache_dir",
                "/c",
                "cache_bytes",
                "1024",
                "port",
                "1",
                "node_id",
                "nginx-1",
                "servers",
                "server 127.0.0.1:2;"));

    assertThat(text)
        .contains(
            "hash $request_uri consistent",
            "$upstream_cache_status$x_cache_upstream",
            "add_header X-Cache \"nginx-1;")
        .doesNotContain("${");
  }
}
