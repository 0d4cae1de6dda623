package io.imgcdn.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.config.Settings;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheBusterTest {
  @Test
  void aMastodonAttachmentsStylesArePurgedTogether() {
    String dir = "media_attachments/files/109/348/912/425/512/345/";
    assertThat(CacheBuster.keysToPurge(dir + "small/0a1b2c3d.mp4"))
        .containsExactly(dir + "small/0a1b2c3d.mp4", dir + "original/0a1b2c3d.mp4");
    assertThat(CacheBuster.keysToPurge("cache/" + dir + "original/x.png"))
        .containsExactly("cache/" + dir + "original/x.png", "cache/" + dir + "small/x.png");
    assertThat(CacheBuster.keysToPurge("photos/original/a.jpg"))
        .containsExactly("photos/original/a.jpg");
  }

  @Test
  void aReadersGetIsNotTheBustersAndAWrongSecretIsRefused() {
    CacheBuster buster =
        new CacheBuster(
            "edge-1",
            new CacheBuster.Options(HttpMethod.GET, "X-Buster", "buster-secret-0123456789"),
            Path.of("no-such-cluster.conf"),
            "token");
    assertThat(buster.extraMethod()).isNull();
    assertThat(buster.command(HttpMethod.GET, "/a.jpg", new DefaultHttpHeaders())).isNull();
    assertThat(
            buster.command(
                HttpMethod.HEAD, "/a.jpg", new DefaultHttpHeaders().set("X-Buster", "x")))
        .isNull();
    var refused =
        buster.command(HttpMethod.GET, "/a.jpg", new DefaultHttpHeaders().set("X-Buster", "nope"));
    assertThat(refused).isNotNull();
    assertThat(refused.join().status().code()).isEqualTo(403);
  }

  @Test
  void anotherMethodNeedsTheHeaderAndTheValidatorsLeave() {
    CacheBuster buster =
        new CacheBuster(
            "edge-1",
            new CacheBuster.Options(
                HttpMethod.valueOf("PURGE"), "X-Buster", "buster-secret-0123456789"),
            Path.of("no-such-cluster.conf"),
            "token");
    assertThat(buster.extraMethod()).isEqualTo(HttpMethod.valueOf("PURGE"));
    var missing = buster.command(HttpMethod.valueOf("PURGE"), "/a.jpg", new DefaultHttpHeaders());
    assertThat(missing).isNotNull();
    assertThat(missing.join().status().code()).isEqualTo(403);
  }

  @Test
  void settingsAreChecked() {
    Settings s =
        Settings.of(
            Map.of(
                "edge.cache-buster.method", "purge",
                "edge.cache-buster.secret", "short"));
    CacheBuster.Options.from(s, "");
    assertThatThrownBy(s::finish)
        .hasMessageContaining("edge.cache-buster.method: 'purge' (expected: a method in capitals")
        .hasMessageContaining("edge.cache-buster.secret: too short")
        .hasMessageContaining("needs admin.token");
    CacheBuster.Options off = CacheBuster.Options.from(Settings.of(Map.of()), "");
    assertThat(off.enabled()).isFalse();
    assertThat(off.method()).isEqualTo(HttpMethod.GET);
  }
}
