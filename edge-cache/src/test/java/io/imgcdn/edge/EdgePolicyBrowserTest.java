package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.imgcdn.common.testing.NettyLeakWatch;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The response policy as a browser sees it (headless Chromium): a page of another origin reads the
 * edge's pictures through a CORS image and fetch() (with a preflight), and an SVG with a script,
 * opened from the edge, runs nothing, while the same SVG from a host without the policy does.
 */
class EdgePolicyBrowserTest {
  private static final String SVG_TEMPLATE =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>"
          + "parent.postMessage('ran:' + location.port, '*');"
          + "new Image().src = 'http://127.0.0.1:PAGE/beacon?from=' + location.port;"
          + "</script></svg>";

  @TempDir Path dir;
  private final NettyLeakWatch leaks = new NettyLeakWatch();
  private final FakeShard shard = new FakeShard("shard-1");
  private final List<String> beacons = new CopyOnWriteArrayList<>();
  private HttpServer page;
  private EdgeServer edge;

  @BeforeEach
  void start() throws Exception {
    edge = Edges.start(dir, List.of(shard), Map.of());
    page = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    page.createContext(
        "/beacon",
        x -> {
          beacons.add(x.getRequestURI().getQuery());
          x.sendResponseHeaders(204, -1);
          x.close();
        });
    page.start();
  }

  @AfterEach
  void stop() {
    page.stop(0);
    Edges.stopClean(edge, shard, leaks);
  }

  private void serve(String path, String type, byte[] body) {
    page.createContext(
        path,
        x -> {
          x.getResponseHeaders().set("Content-Type", type);
          x.sendResponseHeaders(200, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
  }

  private static byte[] png() throws Exception {
    BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        image.setRGB(x, y, 0xffff0000); // opaque red
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  /**
   * The DOM of {@code url} after its scripts ran (headless Chromium, --dump-dom), read as soon as
   * it is printed: a page whose frames were answered as attachments (downloads) is dumped but keeps
   * Chromium from exiting, so the process is stopped by pid (with its children) then.
   */
  private static String dom(Path dir, String url, String wait) throws Exception {
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    Path out = Files.createTempFile(dir, "chromium", ".out");
    List<String> command =
        List.of(
            "/usr/bin/chromium",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=" + profile,
            wait,
            "--dump-dom",
            url);
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("chromium.err").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (System.nanoTime() < deadline) {
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        if (dom.contains("</html>")) {
          return dom;
        }
        if (p.waitFor(100, TimeUnit.MILLISECONDS)) {
          return Files.readString(out, StandardCharsets.UTF_8);
        }
      }
      throw new AssertionError("chromium printed no DOM within 90 s: " + command);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  @Test
  void pageOfAnotherOrigin_readsPicturesByCorsImageAndFetch() throws Exception {
    byte[] png = png();
    shard.objects.put("/media_attachments/p.png", png);
    shard.types.put("/media_attachments/p.png", "image/png");
    String picture = "http://127.0.0.1:" + edge.port() + "/media_attachments/p.png";
    String html =
        """
        <!doctype html><html><body><pre id="out">pending</pre><script>
        const out = [];
        const image = new Promise(done => {
          const img = new Image();
          img.crossOrigin = 'anonymous';
          img.onload = () => {
            try {
              const c = document.createElement('canvas');
              c.width = img.width; c.height = img.height;
              const g = c.getContext('2d');
              g.drawImage(img, 0, 0);
              out.push('image ' + img.width + 'x' + img.height + ' ' + g.getImageData(1, 1, 1, 1).data.join(','));
            } catch (e) { out.push('image unreadable ' + e.name); }
            done();
          };
          img.onerror = () => { out.push('image failed'); done(); };
          img.src = 'PICTURE';
        });
        const plain = fetch('PICTURE').then(r => r.blob().then(b => out.push('fetch ' + r.status + ' ' + b.size)))
          .catch(e => out.push('fetch failed ' + e));
        const preflighted = fetch('PICTURE', {headers: {'If-None-Match': '"other"'}})
          .then(r => r.blob().then(b => out.push('preflighted ' + r.status + ' ' + b.size)))
          .catch(e => out.push('preflighted failed ' + e));
        Promise.all([image, plain, preflighted]).then(() => {
          document.getElementById('out').textContent = out.sort().join('|');
        });
        </script></body></html>
        """
            .replace("PICTURE", picture);
    serve("/page.html", "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));

    String dom =
        dom(
            dir,
            "http://localhost:" + page.getAddress().getPort() + "/page.html",
            "--virtual-time-budget=10000"); // until the fetches and the image have settled

    assertThat(dom)
        .contains(
            "fetch 200 " + png.length + "|image 3x2 255,0,0,255|preflighted 200 " + png.length);
  }

  @Test
  void svgWithScript_fromTheEdge_runsNothing_butDoesFromAHostWithoutThePolicy() throws Exception {
    int pagePort = page.getAddress().getPort();
    byte[] svg =
        SVG_TEMPLATE.replace("PAGE", String.valueOf(pagePort)).getBytes(StandardCharsets.UTF_8);
    shard.objects.put("/x.svg", svg);
    shard.types.put("/x.svg", "image/svg+xml");
    serve("/control.svg", "image/svg+xml", svg);
    String fromEdge = "http://127.0.0.1:" + edge.port() + "/x.svg";
    // A script that runs tells the page by postMessage (no CSP governs it) and the test server by
    // a beacon; the control, served without the policy, shows both work.
    String html =
        """
        <!doctype html><html><body><pre id="out">none</pre>
        <script>
        const heard = [];
        addEventListener('message', e => {
          heard.push(String(e.data));
          document.getElementById('out').textContent = heard.sort().join('|');
        });
        </script>
        <iframe src="/control.svg"></iframe>
        <iframe src="EDGE"></iframe>
        <object data="EDGE" type="image/svg+xml"></object>
        <embed src="EDGE" type="image/svg+xml">
        <img src="EDGE">
        </body></html>
        """
            .replace("EDGE", fromEdge);
    serve("/svg.html", "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));

    String dom =
        dom(
            dir,
            "http://127.0.0.1:" + pagePort + "/svg.html",
            "--timeout=5000"); // frames that are downloads never settle: 5 s for the scripts

    assertThat(dom).contains("<pre id=\"out\">ran:" + pagePort + "</pre>");
    assertThat(beacons).as("only the control's script ran").containsExactly("from=" + pagePort);
    assertThat(shard.requests("/x.svg")).as("the edge was asked").isPositive();
  }
}
